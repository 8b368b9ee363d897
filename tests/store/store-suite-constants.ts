/** Test-only scrypt cost (N = 2^10), shared by the suite and child processes. */
export const TEST_KDF = { N: 2 ** 10, r: 8, p: 1 }
