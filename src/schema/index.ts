import './account.ts';
import './calendar.ts';
import './calendar-feed.ts';
import './ics-feed.ts';
import './meeting.ts';
import './poll.ts';
import './scheduling.ts';
import './sync.ts';
import './synchronization.ts';
import './task.ts';
import './user.ts';
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import { refuseNulInArguments } from './input-guard.ts';

export const schema = refuseNulInArguments(lexicographicSortSchema(builder.toSchema()));
