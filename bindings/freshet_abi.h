/* freshet C ABI, version 4. The layout of every record is documented in
 * docs/abi.md; the static_asserts in abi.cc pin the result layout.
 * Input records are string lists: a decimal count, then that many strings,
 * each string (the count too) terminated by a NUL byte. A request list with
 * count 0 stands for the request given in full by an earlier call (kept by
 * the engine until the next one), so later phases skip re-sending it. */
#ifndef FRESHET_ABI_H
#define FRESHET_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FRESHET_ABI_VERSION 4u

/* Status of a call, in fr_result.status. */
enum fr_status {
  FR_OK = 0,
  FR_BAD_INPUT = 1, /* the input record is malformed */
  FR_NO_ENGINE = 2, /* no valid manifest loaded: callers pass through */
};

/* String slots of fr_result.strs: one meaning each. A slot a call does not
 * fill is empty: {0, 0}. */
enum fr_str_slot {
  FR_STR_KEY = 0,          /* request: readable cache key */
  FR_STR_KEY_URL = 1,      /* request: Cache API key URL */
  FR_STR_META = 2,         /* store: entry metadata to keep with the entry */
  FR_STR_ROUTE_NAME = 3,   /* request: name of the matched route */
  FR_STR_DIAGNOSTICS = 4,  /* load: "severity\tpath\tmessage\n" lines */
  FR_STR_REASON = 5,       /* reason: name of the reason code */
  FR_STR_TAGS = 6,         /* request: the route's tags, comma-separated */
  FR_STR_PURGES = 7,       /* invalidate: the route's "invalidates", "kind\tvalue" lines */
  FR_STR_OMIT = 8,         /* store: fields the stored copy omits, "a,b" */
  FR_STR_VARY_NAMES = 9,   /* store, vary: normalised Vary field names, "a,b" */
  FR_STR_VARIANT_ID = 10,  /* store, vary: this request's variant id (URL-safe) */
  FR_STR_INVALIDATED = 11, /* invalidate: key URLs to delete, one per line */
  FR_STR_INFO = 12,        /* manifest_info, route_info: JSON */
  FR_STR_SLOTS = 13,
};

/* Flags in fr_result.flags. */
enum fr_flag {
  FR_FLAG_USABLE_IF_ERROR = 1u << 0, /* lookup: may serve if origin fails */
  FR_FLAG_DEBUG = 1u << 1,           /* load, request: manifest mode is "debug" */
  FR_FLAG_NEEDS_BODY = 1u << 2,      /* request: call again with ":body-sha256" */
  /* store: Freshet-Cache-Control / CDN-Cache-Control present but invalid,
   * ignored (RFC 9213 2.1) */
  FR_FLAG_IGNORED_FRESHET_CC = 1u << 3,
  FR_FLAG_IGNORED_CDN_CC = 1u << 4,
  FR_FLAG_PURGE_SOFT = 1u << 5, /* invalidate: the route's "invalidates" are soft purges */
  /* store: the answer's Date is behind this cache's clock by more than its Age
     and round trip explain (kClockBehindReport s or more, src/decision.h) */
  FR_FLAG_CLOCK_BEHIND = 1u << 6,
};

typedef struct fr_str {
  uint32_t ptr; /* address in linear memory */
  uint32_t len; /* bytes, UTF-8 */
} fr_str;

/* Numbers of the decisions (src/decision.h): action is a RequestAction,
 * LookupAction, StoreAction, InvalidationAction, VaryAction or
 * ConditionalAction; reason a Reason (src/reason.h). */
typedef struct fr_result {
  uint32_t abi_version;          /*   0 */
  uint32_t status;               /*   4 fr_status */
  uint32_t action;               /*   8 the call's action */
  uint32_t reason;               /*  12 Reason code */
  int32_t route;                 /*  16 route index, -1 if none; load: route count */
  uint32_t flags;                /*  20 fr_flag bits */
  double age;                    /*  24 lookup: current age; store: age on arrival, s */
  double ttl;                    /*  32 seconds (negative when stale) */
  double stale_while_revalidate; /*  40 seconds */
  double stale_if_error;         /*  48 seconds */
  double platform_ttl;           /*  56 store: seconds */
  double lifetime;               /*  64 lookup, store: seconds */
  uint32_t lifetime_source;      /*  72 store: LifetimeSource */
  uint32_t error_count;          /*  76 load: manifest errors */
  double browser_ttl;            /*  80 request: client max-age, -1 = unchanged */
  double body_limit;             /*  88 request: max body bytes of a POST route */
  uint32_t tiers;                /*  96 request: storage tiers, 1 memory 2 cache 4 global */
  uint32_t origin_timeout_ms;    /* 100 request: the route's origin timeout */
  uint32_t miss_action;          /* 104 request: MissAction when nothing stored answers */
  uint32_t miss_reason;          /* 108 request: its Reason */
  uint32_t set_cookie;           /* 112 request: SetCookiePolicy */
  uint32_t vary_action;          /* 116 store, vary: VaryAction */
  fr_str strs[FR_STR_SLOTS];     /* 120 .. 224 */
  double valid_from_ms;          /* 224 lookup: the decision holds for now_ms in */
  double valid_until_ms;         /* 232   [valid_from_ms, valid_until_ms) */
} fr_result;

/* Returns FRESHET_ABI_VERSION. */
uint32_t fr_abi_version(void);
/* A scratch buffer of at least `size` bytes for the next call's input. */
uint8_t* fr_input(uint32_t size);
/* Manifest JSON (len bytes in the input buffer). */
const fr_result* fr_load_manifest(uint32_t len);
/* Input: request record. Route, bypass, key, the route's rules and the
 * miss decision (RFC 9111 5.2.1.7). */
const fr_result* fr_request(uint32_t len);
/* Input: request record + [entry metadata]. The purges that cover the
 * entry (docs/admin.md), 0 for none: an entry stored before hard_ms is gone
 * (action 4), before soft_ms stale; one stored before unproven_ms that
 * would be served as is is revalidated (reason purge-view-unproven). */
const fr_result* fr_lookup(uint32_t len, int32_t route, double now_ms, double hard_ms,
                           double soft_ms, double unproven_ms);
/* Input: request record + [status, name, value, ...]. Also where the copy
 * goes: vary_action, FR_STR_VARY_NAMES, FR_STR_VARIANT_ID. */
const fr_result* fr_store(uint32_t len, int32_t route, double request_time_ms,
                          double response_time_ms);
/* The manifest's top-level settings as JSON, in strs[FR_STR_INFO]. */
const fr_result* fr_manifest_info(void);
/* A route's effective rules as JSON, in strs[FR_STR_INFO] (tools). */
const fr_result* fr_route_info(int32_t route);
/* Name of a reason code, in strs[FR_STR_REASON]. */
const fr_result* fr_reason(uint32_t code);
/* RFC 9111 4.4. Input: request record + [status, name, value, ...] of the
 * response to an unsafe request. action: InvalidationAction;
 * strs[FR_STR_INVALIDATED], strs[FR_STR_PURGES]. */
const fr_result* fr_invalidate(uint32_t len);
/* Vary (RFC 9111 4.1). Input: request record + [Vary field value].
 * action = vary_action: VaryAction; FR_STR_VARY_NAMES, FR_STR_VARIANT_ID. */
const fr_result* fr_vary(uint32_t len);
/* RFC 9111 4.3.2. Input: request record + [stored ETag, stored
 * Last-Modified, stored Date, entry metadata] ("" when absent).
 * action: ConditionalAction. */
const fr_result* fr_conditional(uint32_t len);
/* Deployment options of the loaded engine (until the next manifest load):
 * fr_option bits. */
enum fr_option {
  FR_OPTION_STORE_SET_COOKIE = 1u << 0, /* store responses with Set-Cookie */
};
const fr_result* fr_set_options(uint32_t flags);

#if !defined(__wasm__)
/* Native builds only (tests): the string in `slot` of the last result. */
const char* fr_native_str(uint32_t slot);
#endif

#ifdef __cplusplus
}
#endif

#endif /* FRESHET_ABI_H */
