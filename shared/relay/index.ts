export { createRelayHandler, ownedPools, type RelayDeps, type RelayHandler, type RelayRequest, type RelayResponse } from './createRelayHandler';
export { ReplayError } from './errors';
export { HeartbeatSchema, HostReportSchema, type Heartbeat, type HeartbeatInput, type HeartbeatResponse, type WorkerReport } from './HeartbeatSchema';
export { HOST_HEADER, MAX_CLOCK_SKEW_MS, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './headers';
export { sha256Hex, signRequest, signature, type SignInput } from './signRequest';
export { header, verifyRequest, type VerifyInput } from './verifyRequest';
