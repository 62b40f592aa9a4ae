import { DISK_WRITE_ERRORS, refusal } from '../../../core/http/error-catalog';
import { mergeErrorResponses, type ErrorResponses } from '../../../core/http/route';

/** What accepting a result package can refuse (result-intake.ts, result-package-verifier.ts), for every route that hands one in. */
export const RESULT_INTAKE_ERRORS = mergeErrorResponses(DISK_WRITE_ERRORS, {
  400: refusal('考场或场次无效', 'RESULT_ROOM_INVALID', 'RESULT_SESSION_INVALID'),
  403: refusal('考场尚未注册', 'RESULT_ROOM_NOT_REGISTERED'),
  409: refusal('该考场场次已回收了另一个数据包，本数据包已另存为冲突', 'RESULT_CONFLICT', 'SITE_CODE_MISSING'),
  422: refusal(
    '结果数据包未通过校验（原因见 error.message）',
    'RESULT_CANDIDATE_UNKNOWN', 'RESULT_FILE_MISMATCH', 'RESULT_FILE_MISSING', 'RESULT_FILE_UNLISTED', 'RESULT_HASH_MISMATCH',
    'RESULT_MANIFEST_INVALID', 'RESULT_MANIFEST_MISSING', 'RESULT_OTHER_MODE', 'RESULT_OTHER_ROOM', 'RESULT_OTHER_SESSION',
    'RESULT_OTHER_SITE', 'RESULT_PACKAGE_INVALID', 'RESULT_ROOM_UNKNOWN', 'RESULT_SESSION_UNKNOWN', 'RESULT_SIGNATURE_INVALID',
    'RESULT_SIGNED_BY_OTHER', 'RESULT_SIGNER_UNKNOWN', 'RESULT_SIZE_MISMATCH', 'RESULT_SUBJECT_UNKNOWN', 'RESULT_VALIDATOR_REFUSED',
  ),
});

/** Receiving a file through core durable files (core/files/durable-file-store.ts, durable-sink.ts). */
export const UPLOAD_ERRORS: ErrorResponses = {
  400: refusal('上传信息无效', 'UPLOAD_ID_INVALID', 'UPLOAD_SIZE_INVALID', 'UPLOAD_SHA256_INVALID'),
  409: refusal('上传进度与考点不一致', 'UPLOAD_BUSY', 'UPLOAD_FINISHED', 'UPLOAD_INCOMPLETE', 'UPLOAD_OFFSET_MISMATCH'),
  413: refusal('上传超过上限', 'UPLOAD_TOO_LARGE', 'UPLOAD_TOO_LONG'),
  422: refusal('上传内容与声明的 SHA-256 不一致', 'UPLOAD_HASH_MISMATCH'),
};
