/** The names of N new certificates to issue (one or two DNS names each), the same for every way of issuing. */
export function issueNames(prefix, n) {
  return Array.from({ length: n }, (_, i) => {
    const commonName = `${prefix}-${i}.issue.bench.test`;
    return { commonName, sans: [commonName, ...(i % 2 ? [`www-${commonName}`] : [])] };
  });
}
