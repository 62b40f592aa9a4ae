import { LoadCandidateRow } from './load-candidate-row';
import { LoadReleaseRow } from './load-release-row';
import { LoadRoomRow } from './load-room-row';
import { LoadSessionRow } from './load-session-row';

export { LoadCandidateRow, LoadReleaseRow, LoadRoomRow, LoadSessionRow };
export const loadEntities = [LoadReleaseRow, LoadRoomRow, LoadSessionRow, LoadCandidateRow];
