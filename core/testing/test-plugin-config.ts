import type { ExamSiteConfigInput } from '../config/config';

/**
 * Plugin sections every test site starts with: LAN services of the built-in plugins on free
 * ports (the collection stage's FTP server), never the product's fixed ports. A test's own
 * `config.plugins` is merged over these, section by section.
 */
export function testPluginSections(own: ExamSiteConfigInput['plugins'] | undefined): NonNullable<ExamSiteConfigInput['plugins']> {
  const base: Record<string, Record<string, unknown>> = { collection: { ftpPort: 0 } };
  for (const [id, section] of Object.entries(own ?? {})) base[id] = { ...base[id], ...section };
  return base;
}
