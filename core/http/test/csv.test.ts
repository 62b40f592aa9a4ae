import { expect } from 'chai';
import { csvCell } from '../csv';

describe('csvCell: one CSV cell for exports opened in Excel', () => {
  it('leaves plain text and numbers as they are', () => {
    expect(csvCell('考场 11003001')).to.equal('考场 11003001');
    expect(csvCell(12)).to.equal('12');
  });

  it('quotes separators, quotes and line breaks, doubling the quotes', () => {
    expect(csvCell('a,b')).to.equal('"a,b"');
    expect(csvCell('say "hi"')).to.equal('"say ""hi"""');
    expect(csvCell('two\r\nlines')).to.equal('"two\r\nlines"');
  });

  it('quotes a leading = + - @ so Excel does not run it as a formula', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)']) expect(csvCell(s), s).to.equal(`"${s}"`);
  });
});
