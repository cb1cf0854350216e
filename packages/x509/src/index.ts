export {
  type CertificateFacts,
  type ParsedCertificate,
  parseCertificateBlock,
  parseCertificatePem,
  sha256Hex,
} from './certificate.js';
export {
  chainsToAsync,
  isIssuerChainAsync,
  parseCertificateBlocksLenient,
  parseCertificates,
  verifiesTo,
} from './chain.js';
export { CertificateParseError } from './errors.js';
export { type KeyParse, parseKeyContent } from './key.js';
export { certificateBlocks, missingPemReason } from './pem-text.js';
export { type TrustContext, trustContext } from './trust.js';
