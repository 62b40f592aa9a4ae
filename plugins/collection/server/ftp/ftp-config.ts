import { z } from 'zod';

/**
 * The collection plugin's FTP settings (config file `plugins.collection`, environment
 * `EXAMSITE_COLLECTION_FTP_PORT` …). The address in passive replies is the core
 * `publicHost`, the address proctors reach the site at.
 */
export const ftpConfigSchema = z
  .object({
    ftpPort: z.number().int().min(0).max(65535).default(2121),
    /** The passive data ports (the firewall opens exactly these). */
    ftpPassivePorts: z
      .object({ min: z.number().int().min(1024).max(65535), max: z.number().int().min(1024).max(65535) })
      .refine((r) => r.min <= r.max, '被动端口范围的起始端口（min）不能大于结束端口（max）')
      .default({ min: 30000, max: 30099 }),
  })
  .strict();
export type FtpConfig = z.output<typeof ftpConfigSchema>;
