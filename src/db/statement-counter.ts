// Counts the SQL statements a driver adapter sends, for the tests that check what a request
// costs (test/statements.test.ts). The database is wrapped only when the configuration asks
// for it (DATABASE_COUNT_STATEMENTS), so the normal path carries no counting. Counting at the
// adapter sees every statement: Prisma's queries, raw ones and the transactions' own.
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQueryable, Transaction } from '@prisma/driver-adapter-utils';

export interface StatementCounter {
  count: number;
}

export function countStatements(factory: SqlDriverAdapterFactory, counter: StatementCounter): SqlDriverAdapterFactory {
  return override(factory, { connect: async () => countAdapter(await factory.connect(), counter) });
}

function countAdapter(adapter: SqlDriverAdapter, counter: StatementCounter): SqlDriverAdapter {
  return override(adapter, {
    ...countQueries(adapter, counter),
    executeScript(script) {
      counter.count++;
      return adapter.executeScript(script);
    },
    async startTransaction(isolationLevel) {
      counter.count += isolationLevel ? 2 : 1; // the driver's BEGIN (and SET TRANSACTION)
      return countTransaction(await adapter.startTransaction(isolationLevel), counter);
    },
  });
}

function countTransaction(tx: Transaction, counter: StatementCounter): Transaction {
  // With a phantom query the driver ends the transaction itself; otherwise Prisma sends
  // COMMIT or ROLLBACK through executeRaw (counted there) before calling these.
  const end = tx.options.usePhantomQuery ? 1 : 0;
  const savepoint = (name: 'createSavepoint' | 'rollbackToSavepoint' | 'releaseSavepoint') => {
    const method = tx[name];
    return method
      ? (savepointName: string) => {
          counter.count++;
          return method.call(tx, savepointName);
        }
      : undefined;
  };
  return override(tx, {
    ...countQueries(tx, counter),
    commit() {
      counter.count += end;
      return tx.commit();
    },
    rollback() {
      counter.count += end;
      return tx.rollback();
    },
    createSavepoint: savepoint('createSavepoint'),
    rollbackToSavepoint: savepoint('rollbackToSavepoint'),
    releaseSavepoint: savepoint('releaseSavepoint'),
  });
}

function countQueries(queryable: SqlQueryable, counter: StatementCounter): Pick<SqlQueryable, 'queryRaw' | 'executeRaw'> {
  return {
    queryRaw(query) {
      counter.count++;
      return queryable.queryRaw(query);
    },
    executeRaw(query) {
      counter.count++;
      return queryable.executeRaw(query);
    },
  };
}

/** `target` with these members replaced; everything else stays the target's own (bound to it). */
function override<T extends object>(target: T, members: Partial<T>): T {
  return new Proxy(target, {
    get(object, key) {
      if (Object.hasOwn(members, key)) return members[key as keyof T];
      const value = Reflect.get(object, key, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
