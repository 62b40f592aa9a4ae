const CHINESE = /[\u4e00-\u9fff]/;

/** The sentences of a message: split at 。；！？ (and their ASCII forms); what is left of a value reads as …. */
export function repeatedSentences(message: string): string[] {
  const sentences = message
    .replace(/\$\{[^}]*\}/g, '…')
    .split(/[。；！？;!?\n]/)
    .map((s) => s.replace(/^[\s'"`，,、：:（）()]+|[\s'"`，,、：:（）()]+$/g, ''))
    .filter((s) => CHINESE.test(s) && s.replace(/…/g, '').length >= 4);
  return sentences.filter((s, i) => sentences.indexOf(s) !== i);
}
