/*
 * holds.h: what an operator put on the engine: silences, acknowledgements
 * and pauses, kept in <state_dir>/alerts.json across restarts (holds.c).
 */
#ifndef RDD_ALERTS_HOLDS_H
#define RDD_ALERTS_HOLDS_H

#include <stddef.h>
#include <stdint.h>

enum hold_kind { HOLD_SILENCE, HOLD_ACK, HOLD_PAUSE };

struct hold {
	enum hold_kind kind;
	uint64_t id;
	char *monitor; /* NULL: every monitor (pause only) */
	char *target;  /* NULL: every target of monitor */
	int64_t created_wall;
	int64_t until_wall; /* 0: until removed (acks: until resolved) */
	long uid;
	char *comment;
};

struct holds {
	char *path; /* NULL: kept in memory only */
	struct hold *v;
	size_t n;
	uint64_t next_id;
};

/* Loads path when it exists; a damaged file is logged and set aside. */
void holds_init(struct holds *h, const char *path);
void holds_free(struct holds *h);
uint64_t holds_add(struct holds *h, enum hold_kind k, const char *monitor,
    const char *target, int64_t until_wall, long uid, const char *comment);
int holds_remove(struct holds *h, uint64_t id);
/* Remove every hold of kind k on exactly monitor/target; the count. */
size_t holds_remove_on(
    struct holds *h, enum hold_kind k, const char *monitor, const char *target);
/* Every hold on monitor from to monitor to (a rename); the count. */
size_t holds_rename(struct holds *h, const char *from, const char *to);
/* The first live hold of kind k covering monitor/target at now. */
const struct hold *holds_find(const struct holds *h, enum hold_kind k,
    const char *monitor, const char *target, int64_t now);
/* Drop expired holds; returns how many (saved when any). */
size_t holds_expire(struct holds *h, int64_t now);
/* The earliest expiry after now, or 0. */
int64_t holds_next_expiry(const struct holds *h);
int holds_save(struct holds *h);
/* A json_object * array of the holds of kind k. */
void *holds_json(const struct holds *h, enum hold_kind k);

#endif /* RDD_ALERTS_HOLDS_H */
