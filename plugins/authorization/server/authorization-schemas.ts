import { goToSchema } from '../../../core/http/guidance';
import { z } from 'zod';
import { integerParam } from '../../../core/http/integer-param';
import { instantSchema } from '../../../core/time/instant';

/** Schemas of the admin API of stages 3 and 5; they validate and document (/api/openapi.json). */

export const sessionNoParamSchema = z.object({
  no: integerParam(1, 99, '场次号必须是 1–99 的整数'),
});

export const importQuerySchema = z.object({
  session: integerParam(1, 99, '场次号必须是 1–99 的整数').optional().describe('手工导入对话框中所选的场次；给出时文件必须是该场次的授权'),
});

const sourceSchema = z.enum(['online', 'file']);

export const sessionStatusSchema = z
  .object({
    sessionNo: z.number().describe('场次'),
    name: z.string().describe('场次名称'),
    startsAt: instantSchema.describe('开考时间'),
    durationMinutes: z.number().describe('考试时长（分钟）'),
    authorized: z.boolean().describe('考试授权状态'),
    authorizedAt: instantSchema.nullable(),
    authorizationSource: sourceSchema.nullable(),
    version: z.number().nullable(),
    verified: z.boolean().describe('授权验证状态'),
    verifiedAt: instantSchema.nullable().describe('授权验证时的机考锁可信时间'),
    verificationSource: sourceSchema.nullable(),
    verificationOpensAt: instantSchema.describe('最早可进行授权验证的时间（开考前的提前量）'),
    endsAt: instantSchema.describe('场次结束时间'),
    note: z.string().nullable(),
  })
  .meta({ id: 'SessionAuthorizationStatus' });

export const sessionTableSchema = z
  .object({
    siteCode: z.string().nullable(),
    mode: z.enum(['formal', 'mock']),
    dataLoaded: z.boolean(),
    verificationLeadMinutes: z.number(),
    sessions: z.array(sessionStatusSchema),
  })
  .meta({ id: 'SessionAuthorizationTable' });

export const importOutcomeSchema = z
  .object({
    message: z.string(),
    unchanged: z.boolean().describe('与已导入的授权完全相同，未做改动'),
    session: sessionStatusSchema,
  })
  .meta({ id: 'AuthorizationImportOutcome' });

export const downloadOutcomeSchema = z
  .object({
    message: z.string(),
    allAuthorized: z.boolean(),
    results: z.array(
      z.object({
        sessionNo: z.number(),
        ok: z.boolean(),
        code: z.string().optional(),
        message: z.string().optional(),
        goTo: goToSchema.optional(),
      }),
    ),
    sessions: z.array(sessionStatusSchema),
  })
  .meta({ id: 'AuthorizationDownloadOutcome' });

export const verificationOutcomeSchema = z
  .object({ message: z.string(), session: sessionStatusSchema })
  .meta({ id: 'AuthorizationVerificationOutcome' });

export const calibrationAdviceSchema = z
  .object({
    calibrated: z.boolean(),
    stale: z.boolean(),
    trustedTime: instantSchema.nullable(),
    driftMs: z.number().nullable().describe('电脑时间减可信时间（毫秒）'),
    lastCalibration: z.object({ at: instantSchema, source: z.string(), tokenTime: instantSchema }).nullable(),
    nearSession: z.object({ sessionNo: z.number(), name: z.string(), startsAt: instantSchema }).nullable(),
    warning: z.string().nullable(),
    warnLeadMinutes: z.number(),
  })
  .meta({ id: 'CalibrationAdvice' });
