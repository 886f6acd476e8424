import { toPositional } from '../../core/db/fast-read';

describe('toPositional (named → ? for the raw mysql2 read path)', () => {
  it('replaces names in order, repeats included', () => {
    expect(toPositional('SELECT * FROM t WHERE a = :a AND b IN (:ids) OR c = :a', { a: 1, ids: [2, 3] })).toEqual({ sql: 'SELECT * FROM t WHERE a = ? AND b IN (?) OR c = ?', values: [1, [2, 3], 1] });
  });
  it('leaves quoted text, casts and times alone', () => {
    const r = toPositional("SELECT '10:30' AS x, `a:b`, \"q:z\" FROM t WHERE d = :d AND s = 'it''s :not'", { d: 5 });
    expect(r).toEqual({ sql: "SELECT '10:30' AS x, `a:b`, \"q:z\" FROM t WHERE d = ? AND s = 'it''s :not'", values: [5] });
  });
  it('refuses a missing name, like Sequelize', () => {
    expect(() => toPositional('SELECT :x', {})).toThrow(/:x/);
  });
  it('undefined becomes NULL', () => {
    expect(toPositional('SELECT :x', { x: undefined }).values).toEqual([null]);
  });
});
