#ifndef COVENANT_CGMP_SHIMS_H
#define COVENANT_CGMP_SHIMS_H
// libgmp for Covenant. GMP's mpz_* names are C macros, which Swift cannot see, so each
// function Covenant uses gets a static inline wrapper here. Nothing else belongs here.
#include <stddef.h>
#include <gmp.h>
#include <stdlib.h>
#include <string.h>

// Zeroising allocator: GMP tells free and realloc the block size, so every limb buffer
// (ours and GMP's own temporaries) is wiped before it returns to malloc.
static void *cgmp_zeroing_realloc(void *old, size_t old_size, size_t new_size) {
    void *fresh = malloc(new_size);
    if (fresh == NULL) abort();
    memcpy(fresh, old, old_size < new_size ? old_size : new_size);
    explicit_bzero(old, old_size);
    free(old);
    return fresh;
}
static void cgmp_zeroing_free(void *block, size_t size) {
    explicit_bzero(block, size);
    free(block);
}
static void *cgmp_checked_malloc(size_t size) {
    void *block = malloc(size);
    if (block == NULL) abort();
    return block;
}
/// Installs the zeroising allocator. Safe at any time: it wraps malloc/free, so blocks
/// allocated before the call are freed correctly after it.
static inline void cgmp_install_zeroing_allocator(void) {
    mp_set_memory_functions(cgmp_checked_malloc, cgmp_zeroing_realloc, cgmp_zeroing_free);
}

static inline void cgmp_init(mpz_ptr r) { mpz_init(r); }
static inline void cgmp_init2(mpz_ptr r, mp_bitcnt_t bits) { mpz_init2(r, bits); }
static inline void cgmp_clear(mpz_ptr r) { mpz_clear(r); }
static inline void cgmp_set(mpz_ptr r, mpz_srcptr a) { mpz_set(r, a); }
static inline void cgmp_set_ui(mpz_ptr r, unsigned long a) { mpz_set_ui(r, a); }
static inline void cgmp_set_si(mpz_ptr r, long a) { mpz_set_si(r, a); }
static inline int cgmp_set_str(mpz_ptr r, const char *s, int base) { return mpz_set_str(r, s, base); }
static inline char *cgmp_get_str(char *s, int base, mpz_srcptr a) { return mpz_get_str(s, base, a); }
static inline unsigned long cgmp_get_ui(mpz_srcptr a) { return mpz_get_ui(a); }
static inline long cgmp_get_si(mpz_srcptr a) { return mpz_get_si(a); }
static inline int cgmp_fits_slong_p(mpz_srcptr a) { return mpz_fits_slong_p(a); }
static inline int cgmp_fits_ulong_p(mpz_srcptr a) { return mpz_fits_ulong_p(a); }
static inline double cgmp_get_d(mpz_srcptr a) { return mpz_get_d(a); }
static inline void cgmp_swap(mpz_ptr a, mpz_ptr b) { mpz_swap(a, b); }

static inline void cgmp_add(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_add(r, a, b); }
static inline void cgmp_add_ui(mpz_ptr r, mpz_srcptr a, unsigned long b) { mpz_add_ui(r, a, b); }
static inline void cgmp_sub(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_sub(r, a, b); }
static inline void cgmp_sub_ui(mpz_ptr r, mpz_srcptr a, unsigned long b) { mpz_sub_ui(r, a, b); }
static inline void cgmp_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_mul(r, a, b); }
static inline void cgmp_mul_ui(mpz_ptr r, mpz_srcptr a, unsigned long b) { mpz_mul_ui(r, a, b); }
static inline void cgmp_mul_si(mpz_ptr r, mpz_srcptr a, long b) { mpz_mul_si(r, a, b); }
static inline void cgmp_addmul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_addmul(r, a, b); }
static inline void cgmp_neg(mpz_ptr r, mpz_srcptr a) { mpz_neg(r, a); }
static inline void cgmp_abs(mpz_ptr r, mpz_srcptr a) { mpz_abs(r, a); }
static inline void cgmp_mul_2exp(mpz_ptr r, mpz_srcptr a, mp_bitcnt_t n) { mpz_mul_2exp(r, a, n); }
static inline void cgmp_fdiv_q_2exp(mpz_ptr r, mpz_srcptr a, mp_bitcnt_t n) { mpz_fdiv_q_2exp(r, a, n); }
static inline void cgmp_fdiv_r_2exp(mpz_ptr r, mpz_srcptr a, mp_bitcnt_t n) { mpz_fdiv_r_2exp(r, a, n); }
static inline void cgmp_tdiv_q(mpz_ptr q, mpz_srcptr n, mpz_srcptr d) { mpz_tdiv_q(q, n, d); }
static inline void cgmp_tdiv_r(mpz_ptr r, mpz_srcptr n, mpz_srcptr d) { mpz_tdiv_r(r, n, d); }
static inline void cgmp_tdiv_qr(mpz_ptr q, mpz_ptr r, mpz_srcptr n, mpz_srcptr d) { mpz_tdiv_qr(q, r, n, d); }
static inline void cgmp_fdiv_qr(mpz_ptr q, mpz_ptr r, mpz_srcptr n, mpz_srcptr d) { mpz_fdiv_qr(q, r, n, d); }
static inline void cgmp_fdiv_q(mpz_ptr q, mpz_srcptr n, mpz_srcptr d) { mpz_fdiv_q(q, n, d); }
static inline void cgmp_divexact(mpz_ptr q, mpz_srcptr n, mpz_srcptr d) { mpz_divexact(q, n, d); }
static inline unsigned long cgmp_fdiv_ui(mpz_srcptr n, unsigned long d) { return mpz_fdiv_ui(n, d); }
static inline void cgmp_mod(mpz_ptr r, mpz_srcptr n, mpz_srcptr d) { mpz_mod(r, n, d); }
static inline void cgmp_powm(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m) { mpz_powm(r, b, e, m); }
static inline void cgmp_powm_sec(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m) { mpz_powm_sec(r, b, e, m); }
static inline void cgmp_pow_ui(mpz_ptr r, mpz_srcptr b, unsigned long e) { mpz_pow_ui(r, b, e); }
static inline int cgmp_invert(mpz_ptr r, mpz_srcptr a, mpz_srcptr m) { return mpz_invert(r, a, m); }
static inline void cgmp_gcd(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_gcd(r, a, b); }
static inline void cgmp_lcm(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_lcm(r, a, b); }
static inline void cgmp_sqrt(mpz_ptr r, mpz_srcptr a) { mpz_sqrt(r, a); }
static inline void cgmp_and(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_and(r, a, b); }
static inline void cgmp_ior(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_ior(r, a, b); }

static inline int cgmp_cmp(mpz_srcptr a, mpz_srcptr b) { return mpz_cmp(a, b); }
static inline int cgmp_cmp_si(mpz_srcptr a, long b) { return mpz_cmp_si(a, b); }
static inline int cgmp_cmpabs(mpz_srcptr a, mpz_srcptr b) { return mpz_cmpabs(a, b); }
static inline int cgmp_sgn(mpz_srcptr a) { return mpz_sgn(a); }
static inline int cgmp_tstbit(mpz_srcptr a, mp_bitcnt_t i) { return mpz_tstbit(a, i); }
static inline void cgmp_setbit(mpz_ptr a, mp_bitcnt_t i) { mpz_setbit(a, i); }
static inline size_t cgmp_sizeinbase(mpz_srcptr a, int base) { return mpz_sizeinbase(a, base); }
static inline int cgmp_probab_prime_p(mpz_srcptr a, int reps) { return mpz_probab_prime_p(a, reps); }
static inline int cgmp_perfect_power_p(mpz_srcptr a) { return mpz_perfect_power_p(a); }

static inline void cgmp_import(mpz_ptr r, size_t count, const void *data) {
    mpz_import(r, count, 1, 1, 1, 0, data);  // big-endian bytes
}
static inline void cgmp_export(void *data, size_t *count, mpz_srcptr a) {
    mpz_export(data, count, 1, 1, 1, 0, a);   // big-endian bytes, magnitude only
}
static inline void cgmp_import_u64_le(mpz_ptr r, size_t count, const unsigned long long *words) {
    mpz_import(r, count, -1, sizeof(unsigned long long), 0, 0, words);  // least-significant word first
}

// Side-channel silent mpn functions (GMP's mpn_sec_*): their time and memory accesses depend
// only on the operand sizes, never on the values.
static inline void cgmp_sec_tabselect(mp_limb_t *r, const mp_limb_t *table, mp_size_t n, mp_size_t count, mp_size_t which) {
    mpn_sec_tabselect(r, table, n, count, which);
}
static inline mp_size_t cgmp_sec_mul_itch(mp_size_t an, mp_size_t bn) { return mpn_sec_mul_itch(an, bn); }
static inline void cgmp_sec_mul(mp_limb_t *r, const mp_limb_t *a, mp_size_t an, const mp_limb_t *b, mp_size_t bn, mp_limb_t *scratch) {
    mpn_sec_mul(r, a, an, b, bn, scratch);
}
static inline mp_limb_t cgmp_add_n(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, mp_size_t n) {
    return mpn_add_n(r, a, b, n);  // a carry chain without data-dependent branches
}
static inline mp_size_t cgmp_sec_add_1_itch(mp_size_t n) { return mpn_sec_add_1_itch(n); }
static inline mp_limb_t cgmp_sec_add_1(mp_limb_t *r, const mp_limb_t *a, mp_size_t n, mp_limb_t b, mp_limb_t *scratch) {
    return mpn_sec_add_1(r, a, n, b, scratch);
}
static inline mp_size_t cgmp_sec_div_r_itch(mp_size_t nn, mp_size_t dn) { return mpn_sec_div_r_itch(nn, dn); }
static inline void cgmp_sec_div_r(mp_limb_t *np, mp_size_t nn, const mp_limb_t *d, mp_size_t dn, mp_limb_t *scratch) {
    mpn_sec_div_r(np, nn, d, dn, scratch);
}

static inline size_t cgmp_limb_count(mpz_srcptr a) { return mpz_size(a); }
static inline mp_limb_t *cgmp_limbs_modify(mpz_ptr a, mp_size_t n) { return mpz_limbs_modify(a, n); }
static inline int cgmp_alloc(mpz_srcptr a) { return a->_mp_alloc; }
static inline mp_limb_t *cgmp_limb_pointer(mpz_ptr a) { return a->_mp_d; }
#endif
