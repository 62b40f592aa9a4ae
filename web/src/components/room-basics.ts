/** What every stage's room view has in common (the room dialog shows these itself). */
export interface RoomBasics {
  roomCode: string;
  roomName: string;
  address: string;
  sessions: { no: number; name: string; startsAt: string; durationMinutes: number }[];
}
