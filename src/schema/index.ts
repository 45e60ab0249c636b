import './account.ts';
import './calendar.ts';
import './scheduling.ts';
import './sync.ts';
import './task.ts';
import './user.ts';
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';

export const schema = lexicographicSortSchema(builder.toSchema());
