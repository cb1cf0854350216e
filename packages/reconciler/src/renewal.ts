/**
 * When a certificate is due for renewal. Computed from the certificate's
 * actual notBefore/notAfter, so a CA that shortened the lifetime moves the
 * renewal point with it instead of causing an endless reissue.
 */
import type { RenewalPolicy } from '@certloop/core';

/** Renew after two thirds of the lifetime when the manifest says nothing. */
export const DEFAULT_RENEWAL_FRACTION = 2 / 3;

/**
 * The earliest of `notAfter - beforeExpiryMs` and `notBefore + fraction * lifetime`.
 * A `beforeExpiryMs` at least as long as the actual lifetime (a CA that capped
 * it, or a short-lived certificate) would put the point before notBefore and
 * renew on every pass; it is then ignored in favour of the fraction
 * (cert-manager does the same with renewBefore >= duration).
 */
export function renewalPoint(
  renewal: RenewalPolicy,
  notBefore: Date,
  notAfter: Date,
  options: RenewalPointOptions = {},
): Date {
  const start = notBefore.getTime();
  const end = notAfter.getTime();
  const lifetime = Math.max(0, end - start);
  const candidates: number[] = [];
  if (renewal.fraction !== undefined) candidates.push(start + renewal.fraction * lifetime);
  if (
    renewal.beforeExpiryMs !== undefined &&
    (end - renewal.beforeExpiryMs > start || options.asDeclared === true)
  ) {
    candidates.push(end - renewal.beforeExpiryMs);
  }
  if (candidates.length === 0) candidates.push(start + DEFAULT_RENEWAL_FRACTION * lifetime);
  return new Date(Math.min(...candidates));
}

export interface RenewalPointOptions {
  /**
   * Apply `beforeExpiryMs` as written even when it is longer than the
   * lifetime. For a certificate certloop did not request (the shell manager's,
   * one copied in by hand: no provenance describes it) the cap protection has
   * nothing to protect: the declared threshold holds, as `openssl x509
   * -checkend` did. A certificate certloop recorded keeps the protection, so a
   * CA that caps lifetimes cannot cause a reissue loop.
   */
  readonly asDeclared?: boolean;
}

/** The renewal point of an observed certificate's validity dates (ISO 8601), if they parse. */
export function renewalPointOf(
  renewal: RenewalPolicy,
  validity: { readonly notBefore: string; readonly notAfter: string },
  options: RenewalPointOptions = {},
): Date | undefined {
  const notBefore = new Date(validity.notBefore);
  const notAfter = new Date(validity.notAfter);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) return undefined;
  return renewalPoint(renewal, notBefore, notAfter, options);
}
