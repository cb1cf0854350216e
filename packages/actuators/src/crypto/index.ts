export { type CertificateFacts, certificateFacts } from './certificate-facts.js';
export { createCsr } from './csr.js';
export { generateKey, keyAlgorithmOfPem, publicKeyOf } from './keys.js';
export { sanStrings } from './sans.js';
