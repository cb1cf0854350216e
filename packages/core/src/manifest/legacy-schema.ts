/** The structure of the legacy Phoenix manifest entry (zod): shapes only, unknown fields allowed. */
import { z } from 'zod';

export const legacyEntrySchema = z.looseObject({
  common_name: z.string(),
  sans: z.array(z.string()).optional(),
  cert_path: z.string(),
  key_path: z.string(),
  owner: z.string().optional(),
  permissions: z.string().optional(),
  post_renewal_command: z.string().optional(),
});

export const LEGACY_FIELDS: readonly string[] = Object.keys(legacyEntrySchema.shape);
