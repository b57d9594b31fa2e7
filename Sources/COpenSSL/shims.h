#ifndef COVENANT_COPENSSL_SHIMS_H
#define COVENANT_COPENSSL_SHIMS_H
// libcrypto for Covenant: headers plus static inline wrappers for anything
// Swift cannot import directly (function-like macros). Nothing else.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/kdf.h>
#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#endif
