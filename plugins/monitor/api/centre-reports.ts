// Payloads of the monitoring reports to the centre (docs/centre-protocol.md), shared by the
// site (what it queues) and the centre simulator (what it accepts and records).
import { z } from 'zod';
import { incidentSchema, proctorRoomStateSchema, roomConnectionSchema } from './contract';

/** Outbox kinds. */
export const SESSION_STARTED_KIND = 'monitor.session-started';
export const SESSION_ENDED_KIND = 'monitor.session-ended';
export const ROOM_STATUS_KIND = 'monitor.room-status';

const countsSchema = z.object({ candidates: z.number().int(), loggedIn: z.number().int(), inExam: z.number().int(), submitted: z.number().int() });

/** An incident as reported (its room is the room it is listed under). */
export const reportedIncidentSchema = incidentSchema.omit({ roomCode: true });
export type ReportedIncident = z.infer<typeof reportedIncidentSchema>;

export const roomStatusPayloadSchema = z.object({
  periodStart: z.string(),
  rooms: z.array(
    z.object({
      roomCode: z.string(),
      connection: roomConnectionSchema,
      sessionNo: z.number().int().nullable(),
      state: proctorRoomStateSchema.nullable(),
      counts: countsSchema.nullable(),
      dataImported: z.boolean().nullable(),
      lastBeatAt: z.string().nullable(),
      /** Every incident of the room so far (the report is a snapshot). */
      incidents: z.array(reportedIncidentSchema),
    }),
  ),
});
export type RoomStatusPayload = z.infer<typeof roomStatusPayloadSchema>;

export const sessionReportPayloadSchema = z.object({ sessionNo: z.number().int(), rooms: z.array(z.string()) });

/** Schema of each monitoring kind's payload. */
export const monitorReportPayloads: Readonly<Record<string, z.ZodType>> = {
  [SESSION_STARTED_KIND]: sessionReportPayloadSchema,
  [SESSION_ENDED_KIND]: sessionReportPayloadSchema,
  [ROOM_STATUS_KIND]: roomStatusPayloadSchema,
};
