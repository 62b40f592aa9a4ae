import { expect } from 'chai';
import { z } from 'zod';
import { describeZodError } from '../../http/route';
import { useChineseZodMessages } from '../zod-chinese-messages';

/** Refusals quote zod's default messages: they must be Chinese through and through (issue 15 point 3). */
describe('zod default messages in Chinese', () => {
  before(() => useChineseZodMessages());

  const messageOf = (schema: z.ZodType, value: unknown): string => {
    const r = schema.safeParse(value);
    if (r.success) throw new Error('expected a refusal');
    return describeZodError('内容格式错误', r.error);
  };

  it('names the expected and the received kind in Chinese (zod zh-CN leaves “string”, “undefined”)', () => {
    const schema = z.object({ siteCode: z.string(), sessionNo: z.number(), rooms: z.array(z.string()) });
    expect(messageOf(schema, { sessionNo: '1', rooms: {} })).to.equal(
      '内容格式错误：siteCode：无效输入：应为文本，实际为无（缺少此项）；sessionNo：无效输入：应为数字，实际为文本；rooms：无效输入：应为数组，实际为对象',
    );
  });

  it('says sizes in Chinese', () => {
    expect(messageOf(z.string().max(3), 'abcd')).to.equal('内容格式错误：过大：文本不能超过 3 个字符');
    expect(messageOf(z.array(z.number()).min(1), [])).to.equal('内容格式错误：过小：数组不能少于 1 项');
    expect(messageOf(z.number().int().min(1), 0)).to.equal('内容格式错误：过小：数字不能少于 1');
  });
});
