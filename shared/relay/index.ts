export { createRelayHandler, ownedPools, type RelayDeps, type RelayHandler, type RelayRequest, type RelayResponse } from './createRelayHandler';
export { ReplayError } from './errors';
export { HeartbeatSchema, HostReportSchema, type Heartbeat, type HeartbeatInput, type HeartbeatResponse, type WorkerReport } from './HeartbeatSchema';
export { HOST_HEADER, MAX_CLOCK_SKEW_MS, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './headers';
export { HOST_ID_PATTERN, HOST_ID_RULE, hostIdProblem, isHostId } from './hostId';
export { createSecretBox, keyFromSecretValue, parseSecretKey, SECRET_KEY_ENV, SECRET_KEY_SECRET_ENV, secretBoxFromEnv, SecretKeyError, type SecretBox } from './secretBox';
export { responseSignature, sha256Hex, signRequest, signResponse, signature, type SignInput } from './signRequest';
export { header, verifyRequest, type VerifyInput } from './verifyRequest';
export { verifyResponse } from './verifyResponse';
