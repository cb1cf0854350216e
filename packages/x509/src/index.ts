export {
  type CertificateFacts,
  observedCertificateData,
  type ParsedCertificate,
  parseCertificateBlock,
  parseCertificatePem,
  sha256Hex,
} from './certificate.js';
export { certificateFacts, type IssuedCertificateFacts } from './certificate-facts.js';
export {
  chainsTo,
  chainsToAsync,
  isIssuerChain,
  isIssuerChainAsync,
  parseCertificateBlocksLenient,
  parseCertificates,
  verifiesTo,
} from './chain.js';
export { createCsr } from './csr.js';
export { CertificateParseError } from './errors.js';
export {
  type KeyParse,
  keyMatchesCertificate,
  keyPemMatchesCertificatePem,
  parseKeyContent,
} from './key-file.js';
export type { CertificateDer, PrivateKey } from './native.js';
export { certificateBlocks, missingPemReason } from './pem-text.js';
export {
  generateKey,
  generatePrivateKey,
  importKeyPair,
  keyAlgorithmOfPem,
  publicKeyOf,
  readPrivateKey,
  type WebCryptoKeyPair,
} from './private-key.js';
export { generalNames, hasAnySan, sanStrings } from './san-encode.js';
export { type TrustContext, trustContext } from './trust.js';
export { x509 } from './x509-module.js';
