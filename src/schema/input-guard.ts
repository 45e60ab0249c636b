// The one place string arguments are checked before any resolver runs: a NUL character is
// refused as BAD_USER_INPUT naming the argument, on every field of every type. A field whose
// input is checked item by item instead (syncCommit: one bad item must not fail the others)
// says so with the `perItemInput` extension.
import { type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from 'graphql';
import { badInput } from '../errors.ts';
import { nulMessage, nulPath } from '../validation.ts';

export const perItemInput = { perItemInput: true };

export function refuseNulInArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.args.length || field.extensions.perItemInput) continue;
      field.resolve &&= guarded(field.resolve);
      field.subscribe &&= guarded(field.subscribe);
    }
  }
  return schema;
}

function guarded(resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> {
  return (source, args, context, info) => {
    const path = nulPath(args, '');
    if (path) throw badInput(nulMessage(path));
    return resolve(source, args, context, info);
  };
}
