-- pgmemcache (postgresql-15-pgmemcache) over Debian's libmemcached 1.1.4 and
-- over ours: run by scripts/consumers/run.py, once with pgmemcache's default
-- binary protocol ("binary/NAME") and once after
-- SET pgmemcache.default_behavior = 'BINARY_PROTOCOL:0' ("ascii/NAME").
--
-- Each test starts with "-- test: NAME" and runs in its own psql session
-- (psql -X -A -t, VERBOSITY terse, warnings and errors in the output), after
-- LOAD 'pgmemcache' and, unless "-- nosetup" is given,
-- SELECT memcache_server_add('{server}'). Tests run in file order against one
-- memcached, so a test may read what an earlier one stored. Placeholders:
-- {server} the memcached (host:port), {server2} a second memcached,
-- {dead} a loopback port nothing listens on.
--
-- A test passes when psql's last SQLSTATE is 00000 (or, with
-- "-- expect-error: TEXT", the output has an ERROR containing TEXT), the
-- backend did not crash, its output equals the "-- expect: LINE" lines when
-- there are some ("-- expect-ascii: LINE" lines replace them in the ASCII
-- run), and, over ours, its output equals the output over 1.1.4.
-- pgmemcache's counters need the binary protocol: in ASCII its
-- memcached_increment_with_initial calls fail with INVALID ARGUMENTS.

-- test: server-add
-- nosetup
SELECT memcache_server_add('{server}');
-- expect: t

-- test: server-add-default-port
-- nosetup
SELECT memcache_server_add('127.0.0.1');
-- expect: t

-- test: flush-all
SELECT memcache_flush_all();
-- expect: t

-- test: set-get
SELECT memcache_set('pgm_k1', 'v1');
SELECT memcache_get('pgm_k1');
-- expect: t
-- expect: v1

-- test: get-other-session
SELECT memcache_get('pgm_k1');
-- expect: v1

-- test: get-missing
SELECT memcache_get('pgm_nosuch') IS NULL;
-- expect: t

-- test: set-overwrite
SELECT memcache_set('pgm_k1', 'v2'), memcache_get('pgm_k1');
-- expect: t|v2

-- test: set-empty-value
SELECT memcache_set('pgm_empty', '');
SELECT memcache_get('pgm_empty') IS NULL, length(memcache_get('pgm_empty'));
-- expect: t
-- expect: f|0

-- test: set-utf8
SELECT memcache_set('pgm_ключ', 'значение ✓'), memcache_get('pgm_ключ');
-- expect: t|значение ✓

-- test: bytea-key
SELECT memcache_set('pgm_bytea_key'::bytea, 'bv'), memcache_get('pgm_bytea_key'::bytea),
       memcache_get('pgm_bytea_key');
-- expect: t|bv|bv

-- test: bytea-value
SELECT memcache_set('pgm_bytea_val', convert_to('abc', 'UTF8')), memcache_get('pgm_bytea_val');
-- expect: t|abc

-- test: set-interval
SELECT memcache_set('pgm_ttl', 'x', interval '100 seconds'), memcache_get('pgm_ttl');
-- expect: t|x

-- test: set-timestamptz
SELECT memcache_set('pgm_ts', 'y', now() + interval '1 hour'), memcache_get('pgm_ts');
-- expect: t|y

-- test: set-expires
SELECT memcache_set('pgm_short', 'z', interval '1 second');
SELECT pg_sleep(2.2);
SELECT memcache_get('pgm_short') IS NULL;
-- expect: t
-- expect:
-- expect: t

-- test: add-new
SELECT memcache_add('pgm_add', 'a'), memcache_get('pgm_add');
-- expect: t|a

-- test: add-existing
SELECT memcache_add('pgm_add', 'b');
SELECT memcache_get('pgm_add');

-- test: add-interval
SELECT memcache_add('pgm_add_i', 'ai', interval '60 seconds'), memcache_get('pgm_add_i');
-- expect: t|ai

-- test: replace-existing
SELECT memcache_replace('pgm_add', 'c'), memcache_get('pgm_add');
-- expect: t|c

-- test: replace-missing
SELECT memcache_replace('pgm_nosuch_r', 'c');
SELECT memcache_get('pgm_nosuch_r') IS NULL;

-- test: replace-timestamptz
SELECT memcache_replace('pgm_add', 'd', now() + interval '1 hour'), memcache_get('pgm_add');
-- expect: t|d

-- test: append
SELECT memcache_set('pgm_ap', 'mid');
SELECT memcache_append('pgm_ap', '-end'), memcache_get('pgm_ap');
-- expect: t
-- expect: t|mid-end

-- test: prepend
SELECT memcache_prepend('pgm_ap', 'start-'), memcache_get('pgm_ap');
-- expect: t|start-mid-end

-- test: append-missing
SELECT memcache_append('pgm_nosuch_ap', 'x');
SELECT memcache_get('pgm_nosuch_ap') IS NULL;

-- test: prepend-missing
SELECT memcache_prepend('pgm_nosuch_pp', 'x');
SELECT memcache_get('pgm_nosuch_pp') IS NULL;

-- test: append-interval
SELECT memcache_append('pgm_ap', '!', interval '60 seconds'), memcache_get('pgm_ap');
-- expect: t|start-mid-end!

-- test: incr
SELECT memcache_set('pgm_n', '10');
SELECT memcache_incr('pgm_n');
SELECT memcache_incr('pgm_n', 5);
SELECT memcache_get('pgm_n');
-- expect: t
-- expect: 11
-- expect: 16
-- expect: 16
-- expect-ascii: t
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1
-- expect-ascii: 10

-- test: decr
SELECT memcache_decr('pgm_n');
SELECT memcache_decr('pgm_n', 4);
SELECT memcache_decr('pgm_n', 100);
-- expect: 15
-- expect: 11
-- expect: 0
-- expect-ascii: WARNING:  pgmemcache: memcached_decrement_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1
-- expect-ascii: WARNING:  pgmemcache: memcached_decrement_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1
-- expect-ascii: WARNING:  pgmemcache: memcached_decrement_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1

-- test: incr-missing
SELECT memcache_incr('pgm_nosuch_n');
SELECT memcache_get('pgm_nosuch_n');

-- test: decr-missing
SELECT memcache_decr('pgm_nosuch_d', 3);

-- test: incr-not-a-number
SELECT memcache_set('pgm_nan', 'abc');
SELECT memcache_incr('pgm_nan');
SELECT memcache_get('pgm_nan');

-- test: incr-wraps
SELECT memcache_set('pgm_big_n', '18446744073709551615');
SELECT memcache_incr('pgm_big_n');

-- test: incr-large-step
SELECT memcache_set('pgm_n2', '1');
SELECT memcache_incr('pgm_n2', 4294967296);
-- expect: t
-- expect: 4294967297
-- expect-ascii: t
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1

-- test: delete
SELECT memcache_set('pgm_del', 'x');
SELECT memcache_delete('pgm_del'), memcache_get('pgm_del') IS NULL;
-- expect: t
-- expect: t|t

-- test: delete-missing
SELECT memcache_delete('pgm_del');

-- test: delete-hold
SELECT memcache_set('pgm_del2', 'x');
SELECT memcache_delete('pgm_del2', interval '0 seconds');
SELECT memcache_get('pgm_del2') IS NULL;

-- test: get-multi
SELECT memcache_set('pgm_m1', 'one'), memcache_set('pgm_m2', 'two'), memcache_set('pgm_m3', 'three');
SELECT key, value FROM memcache_get_multi(ARRAY['pgm_m1', 'pgm_m2', 'pgm_m3']) ORDER BY key;
-- expect: t|t|t
-- expect: pgm_m1|one
-- expect: pgm_m2|two
-- expect: pgm_m3|three

-- test: get-multi-one
SELECT key, value FROM memcache_get_multi(ARRAY['pgm_m2']);
-- expect: pgm_m2|two

-- test: get-multi-with-missing
SELECT key, value FROM memcache_get_multi(ARRAY['pgm_m1', 'pgm_nosuch_m', 'pgm_m3']) ORDER BY key;
-- expect: pgm_m1|one
-- expect: pgm_m3|three

-- test: get-multi-all-missing
SELECT count(*) FROM memcache_get_multi(ARRAY['pgm_nosuch_1', 'pgm_nosuch_2']);
-- expect-error: pgmemcache: memcached_fetch: NOT FOUND

-- test: get-multi-empty-array
SELECT count(*) FROM memcache_get_multi(ARRAY[]::text[]);
-- expect-error: only single dimension ARRAYs are supported

-- test: get-multi-bytea
SELECT key, value FROM memcache_get_multi(ARRAY['pgm_m1'::bytea, 'pgm_m2'::bytea]) ORDER BY key;
-- expect: pgm_m1|one
-- expect: pgm_m2|two

-- test: get-multi-duplicates
SELECT key, value FROM memcache_get_multi(ARRAY['pgm_m1', 'pgm_m1', 'pgm_m2']) ORDER BY key, value;

-- test: get-multi-200
SELECT count(*) FILTER (WHERE memcache_set('pgm_many_' || i, 'value_' || i)) FROM generate_series(1, 200) i;
SELECT count(*), count(*) FILTER (WHERE value = 'value_' || substr(key, 10))
  FROM memcache_get_multi(ARRAY(SELECT 'pgm_many_' || i FROM generate_series(1, 200) i));
-- expect: 200
-- expect: 200|200

-- test: large-value
SELECT memcache_set('pgm_large', repeat('0123456789', 50000));
SELECT length(memcache_get('pgm_large')), md5(memcache_get('pgm_large')) = md5(repeat('0123456789', 50000));
-- expect: t
-- expect: 500000|t

-- test: too-large-value
SELECT memcache_set('pgm_huge', repeat('x', 2 * 1024 * 1024));
SELECT memcache_get('pgm_huge') IS NULL;

-- test: key-empty
SELECT memcache_set('', 'v');
-- expect-error: key cannot be an empty string

-- test: key-250
SELECT memcache_set(repeat('k', 250), 'v'), memcache_get(repeat('k', 250));
-- expect: t|v

-- test: key-251
SELECT memcache_set(repeat('k', 251), 'v');
-- expect-error: key too long

-- test: key-with-space
SELECT memcache_set('pgm key', 'v');
SELECT memcache_get('pgm key');

-- test: key-with-newline
SELECT memcache_set(E'pgm\nkey', 'v');

-- test: after-bad-keys
SELECT memcache_set('pgm_after', 'ok'), memcache_get('pgm_after'), memcache_get('pgm_k1');
-- expect: t|ok|v2

-- test: stats
SELECT s ~ 'Server: 127\.0\.0\.1 \(\d+\)', s ~ '(^|\n)pid: \d+', s ~ '(^|\n)curr_items: \d+'
  FROM memcache_stats() s;
-- expect: t|t|t

-- test: stats-fields
SELECT string_agg(split_part(l, ':', 1), ',') FROM regexp_split_to_table(memcache_stats(), E'\n') l
 WHERE l LIKE '%:%';

-- test: two-servers
SELECT memcache_server_add('{server2}');
SELECT count(*) FILTER (WHERE memcache_set('pgm_two_' || i, 'v' || i)) FROM generate_series(1, 50) i;
SELECT count(*) FROM memcache_get_multi(ARRAY(SELECT 'pgm_two_' || i FROM generate_series(1, 50) i));
SELECT count(*) FILTER (WHERE memcache_get('pgm_two_' || i) = 'v' || i) FROM generate_series(1, 50) i;
SELECT count(*) FROM regexp_matches(memcache_stats(), 'Server: ', 'g');
-- expect: t
-- expect: 50
-- expect: 50
-- expect: 50
-- expect: 2

-- test: two-servers-incr
SELECT memcache_server_add('{server2}');
SELECT memcache_set('pgm_two_n' || i, '0') FROM generate_series(1, 4) i;
SELECT string_agg(memcache_incr('pgm_two_n' || i, i)::text, ',') FROM generate_series(1, 4) i;
-- expect: t
-- expect: t
-- expect: t
-- expect: t
-- expect: t
-- expect: 1,2,3,4
-- expect-ascii: t
-- expect-ascii: t
-- expect-ascii: t
-- expect-ascii: t
-- expect-ascii: t
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: WARNING:  pgmemcache: memcached_increment_with_initial: INVALID ARGUMENTS
-- expect-ascii: -1,-1,-1,-1

-- test: dead-server-set
-- nosetup
SELECT memcache_server_add('{dead}');
SELECT memcache_set('pgm_dead', 'v');

-- test: dead-server-get
-- nosetup
SELECT memcache_server_add('{dead}');
SELECT memcache_get('pgm_dead') IS NULL;
-- expect-error: pgmemcache: memcached_get:

-- test: dead-server-get-multi
-- nosetup
SELECT memcache_server_add('{dead}');
SELECT count(*) FROM memcache_get_multi(ARRAY['pgm_dead1', 'pgm_dead2']);
-- expect-error: pgmemcache: memcached_mget:

-- test: trigger-cache-invalidation
CREATE TEMP TABLE pgm_users (id int PRIMARY KEY, passwd text);
CREATE FUNCTION pg_temp.pgm_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.passwd <> NEW.passwd THEN
        PERFORM memcache_replace('pgm_user_' || NEW.id || '_pw', NEW.passwd);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER pgm_upd AFTER UPDATE ON pgm_users FOR EACH ROW EXECUTE FUNCTION pg_temp.pgm_upd();
INSERT INTO pgm_users VALUES (1, 'old');
SELECT memcache_set('pgm_user_1_pw', 'old');
UPDATE pgm_users SET passwd = 'new' WHERE id = 1;
SELECT memcache_get('pgm_user_1_pw');
-- expect: t
-- expect: new

-- test: flush-all-clears
SELECT memcache_flush_all();
SELECT memcache_get('pgm_k1') IS NULL, memcache_get('pgm_m1') IS NULL;
-- expect: t
-- expect: t|t
