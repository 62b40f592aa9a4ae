import { z } from 'zod';

/** Zod's own names of value kinds, in the words the site's administrator reads. */
const KIND_NAMES: Record<string, string> = {
  string: '文本',
  number: '数字',
  int: '整数',
  bigint: '整数',
  boolean: '布尔值',
  object: '对象',
  array: '数组',
  null: '空值',
  undefined: '无（缺少此项）',
  nan: '非数字',
  date: '日期',
  file: '文件',
  set: '集合',
  map: '映射',
  symbol: '符号',
  function: '函数',
  value: '值',
};

function kindName(kind: string | undefined): string {
  return (kind && KIND_NAMES[kind]) ?? '值';
}

function receivedKind(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number' && Number.isNaN(input)) return 'nan';
  return typeof input;
}

const zhCN = z.locales.zhCN().localeError;

/**
 * zh-CN messages for every zod check without a message of its own. Zod's zh-CN locale
 * leaves type names in English (“期望 string，实际接收 undefined”); the kinds here are
 * Chinese so no refusal shown to people carries English (issue 15 point 3).
 */
export function useChineseZodMessages(): void {
  z.config({
    localeError: (issue) => {
      if (issue.code === 'invalid_type' && !/^[A-Z]/.test(issue.expected)) {
        return `无效输入：应为${kindName(issue.expected)}，实际为${kindName(receivedKind(issue.input))}`;
      }
      if (issue.code === 'too_big' || issue.code === 'too_small') {
        const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
        const op = issue.code === 'too_big' ? (issue.inclusive ? '不能超过' : '必须小于') : issue.inclusive ? '不能少于' : '必须大于';
        const unit = issue.origin === 'string' ? ' 个字符' : issue.origin === 'array' || issue.origin === 'set' ? ' 项' : '';
        return `${issue.code === 'too_big' ? '过大' : '过小'}：${kindName(issue.origin)}${op} ${String(bound)}${unit}`;
      }
      return zhCN(issue);
    },
  });
}
