/**
 * CSV cells that a spreadsheet would run as a formula are neutralised with a leading '; numbers
 * (also negative ones written as text) are left as they are.
 */
import test from 'ava';
import { toCsv } from '../../src/report/csv.ts';

test('formula-like text cells get a leading quote; numbers and plain text do not', (t) => {
  const csv = toCsv({ header: ['=HYPERLINK("http://x")', '+cmd', '-2+3', '@SUM(A1)', '\tx', 'plain', '-1.5e3'], rows: [[-1, 0.5, null, '=1+1', 'a,b', '+7', 'ok']] });
  t.is(
    csv,
    `"'=HYPERLINK(""http://x"")",'+cmd,'-2+3,'@SUM(A1),'\tx,plain,-1.5e3\n` + `-1,0.5,,'=1+1,"a,b",+7,ok\n`,
  );
});
