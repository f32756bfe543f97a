// SPDX-License-Identifier: BSD-3-Clause
//
// The route table (dataplane/route.h) on one thread, against DPDK's rte_hash
// in its lock-free-reader mode (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) as
// the anchor: the same keys, the same query streams, the same burst size.
//
// - Lookup, ns per key: tables of 1k, 100k, 1M and 10M routes, every route a
//   forward to one next hop; queries uniform or zipf(1.1) over the table's
//   keys, drawn ahead into an array of kQueries keys so the timed loop only
//   reads them; one key at a time or bursts of 32. One iteration is 32 keys
//   either way. Every value looked up is checked (an OR of differences, a
//   cycle a key); a wrong one aborts the run.
// - Insert (an empty table filled, with and without bl_route_reserve) and
//   replace (every route given another hop), ns per route, at 1M routes.
//
// The tables of one size are built once and kept while the benchmarks of that
// size run (registration keeps them together); building 10M takes seconds.
//
// Sizes above BENCH_ROUTE_MAX (environment) or --route_max=N are left out:
// the smoke test keeps to 1k and 100k that way.
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sched.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

// Everything route.h includes, first: its include guards then make the
// includes inside the extern "C" block below no-ops.
#include <urcu-qsbr.h>
#include <rte_branch_prediction.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

extern "C" {
#include "dataplane/route.h"
}

namespace
{

constexpr uint64_t kSeed = 0x626561636f6e3131ull;      // route keys
constexpr uint64_t kQuerySeed = 0x71756572795f3131ull; // query draws
constexpr size_t kQueries = 1u << 20;		       // keys in a query array (8 MiB)
constexpr unsigned kBurst = 32;			       // keys per iteration
constexpr double kZipfS = 1.1;
constexpr uint64_t kLookupSizes[] = { 1000, 100000, 1000000, 10000000 };
constexpr uint64_t kChangeSize = 1000000; // insert and replace
constexpr uint64_t kQsbrEvery = 4096;	  // routes written between quiescent states

enum dist { DIST_UNIFORM, DIST_ZIPF, DIST_MAX };
const char *const dist_names[DIST_MAX] = { "uniform", "zipf1.1" };

[[noreturn]] void die(const char *what)
{
	fprintf(stderr, "bench_route: %s\n", what);
	fflush(stderr);
	abort();
}

// splitmix64: each output a bijection of its counter, so n draws from one
// seed are n distinct keys.
uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

std::vector<uint64_t> make_keys(uint64_t n, uint64_t seed)
{
	std::vector<uint64_t> k(n);
	uint64_t s = seed;

	for (auto &x : k)
		x = splitmix64(&s);
	return k;
}

double unit(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) * 0x1.0p-53;
}

// Zipf over ranks 1..n, P(k) ~ k^-s, by rejection-inversion (W. Hörmann,
// G. Derflinger, "Rejection-inversion to generate variates from monotone
// discrete distributions", 1996): O(1) a draw and no table, which matters
// at 10M ranks.
class zipf
{
      public:
	zipf(uint64_t n, double s) : n_(n), s_(s)
	{
		hx1_ = H(1.5) - 1.0;
		hn_ = H((double)n + 0.5);
		sterm_ = 2.0 - Hinv(H(2.5) - h(2.0));
	}

	uint64_t draw(uint64_t *rng) const
	{
		for (;;) {
			double u = hn_ + unit(rng) * (hx1_ - hn_);
			double x = Hinv(u);
			double kd = std::floor(x + 0.5);
			uint64_t k = kd < 1.0 ? 1 : kd > (double)n_ ? n_ : (uint64_t)kd;

			if ((double)k - x <= sterm_ || u >= H((double)k + 0.5) - h((double)k))
				return k;
		}
	}

      private:
	static double helper1(double x) // log1p(x) / x
	{
		return std::fabs(x) > 1e-8 ? std::log1p(x) / x
					   : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
	}
	static double helper2(double x) // expm1(x) / x
	{
		return std::fabs(x) > 1e-8
			   ? std::expm1(x) / x
			   : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
	}
	double h(double x) const
	{
		return std::exp(-s_ * std::log(x));
	}
	double H(double x) const // integral of h from 1, shifted: (x^(1-s) - 1) / (1 - s)
	{
		double lx = std::log(x);

		return helper2((1.0 - s_) * lx) * lx;
	}
	double Hinv(double x) const
	{
		double t = x * (1.0 - s_);

		if (t < -1.0)
			t = -1.0; // rounding at the far end
		return std::exp(helper1(t) * x);
	}

	uint64_t n_;
	double s_, hx1_, hn_, sterm_;
};

std::vector<uint64_t> make_queries(const std::vector<uint64_t> &keys, enum dist d)
{
	std::vector<uint64_t> q(kQueries);
	uint64_t s = kQuerySeed + (uint64_t)d, n = keys.size();
	zipf z(n, kZipfS);

	// Keys are random, so rank order (zipf's hot keys first) is unrelated
	// to where a key lives in either table.
	for (auto &x : q)
		x = keys[d == DIST_ZIPF
			     ? z.draw(&s) - 1
			     : (uint64_t)(((unsigned __int128)splitmix64(&s) * n) >> 64)];
	return q;
}

struct bl_route_spec forward_spec(uint8_t host)
{
	struct bl_route_spec s;

	memset(&s, 0, sizeof(s));
	s.action = BL_ROUTE_FORWARD;
	s.hop.port = 0;
	s.hop.mac.addr_bytes[0] = 0x02;
	s.hop.mac.addr_bytes[5] = host;
	s.hop.ip = 0x0a000000u | host;
	s.hop.udp = 7447;
	return s;
}

// Tables go away offline: bl_route_table_destroy waits for a grace period.
void bl_table_free(struct bl_route_table *t)
{
	rcu_thread_offline();
	bl_route_table_destroy(t);
	rcu_thread_online();
}

size_t dpdk_heap_bytes()
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

// rte_hash sized as beamline sizes itself (at most 80% full): entries
// 1.25 n, which rte_hash rounds up to a power of two of slots (8 a bucket).
struct rte_hash *rh_create(const char *name, uint64_t n)
{
	struct rte_hash_parameters p;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.entries = (uint32_t)(n + n / 4);
	p.key_len = sizeof(uint64_t);
	p.hash_func = rte_hash_crc;
	p.hash_func_init_val = 0;
	p.socket_id = (int)rte_socket_id();
	p.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	return rte_hash_create(&p);
}

// Both tables of one size, filled with the same routes, and the query arrays.
struct route_set {
	uint64_t n = 0;
	std::vector<uint64_t> keys;
	std::vector<uint64_t> query[DIST_MAX];
	struct bl_route_table *bl = nullptr;
	struct rte_hash *rh = nullptr;
	uint16_t val = BL_ROUTE_VAL_NONE; // what every key gets
	double bl_bytes = 0, rh_bytes = 0;
};

// Does each table give every key its route, and no route to keys it lacks?
void route_set_verify(const route_set &rs)
{
	std::vector<uint64_t> absent = make_keys(4096, ~kSeed);
	struct bl_route r;
	struct bl_route_spec got, want = forward_spec(2);

	if (!bl_route_lookup(rs.bl, rs.keys[0], &r) || r.action != BL_ROUTE_FORWARD)
		die("beamline: a route added is not found");
	bl_route_describe(rs.bl, &r, &got);
	if (got.hop.port != want.hop.port || got.hop.ip != want.hop.ip ||
	    got.hop.udp != want.hop.udp || !rte_is_same_ether_addr(&got.hop.mac, &want.hop.mac))
		die("beamline: the hop read back is not the hop added");
	for (uint64_t k : rs.keys) {
		void *d = nullptr;

		if (bl_route_lookup_val(rs.bl, k) != rs.val)
			die("beamline: a key lost its route");
		if (rs.rh != nullptr &&
		    (rte_hash_lookup_data(rs.rh, &k, &d) < 0 || (uintptr_t)d != rs.val))
			die("rte_hash: a key lost its data");
	}
	// A key drawn from another stream is in the table by a 1 in 2^40 chance.
	for (uint64_t k : absent) {
		void *d;

		if (bl_route_lookup_val(rs.bl, k) != BL_ROUTE_VAL_NONE)
			die("beamline: a key that was never added has a route");
		if (rs.rh != nullptr && rte_hash_lookup_data(rs.rh, &k, &d) != -ENOENT)
			die("rte_hash: a key that was never added has data");
	}
	rcu_quiescent_state();
}

route_set *route_set_new(uint64_t n)
{
	route_set *rs = new route_set();
	struct bl_route_spec spec = forward_spec(2);
	size_t heap0;

	rs->n = n;
	rs->keys = make_keys(n, kSeed);
	for (int d = 0; d < DIST_MAX; d++)
		rs->query[d] = make_queries(rs->keys, (enum dist)d);

	rs->bl = bl_route_table_create(n);
	if (rs->bl == nullptr || bl_route_reserve(rs->bl, n) != 0)
		die("beamline: cannot make the table");
	for (uint64_t i = 0; i < n; i++) {
		if (bl_route_add(rs->bl, rs->keys[i], &spec) != 0)
			die("beamline: bl_route_add failed");
		if (i % kQsbrEvery == 0)
			rcu_quiescent_state();
	}
	rs->val = bl_route_lookup_val(rs->bl, rs->keys[0]);
	rs->bl_bytes = (double)bl_route_mem_bytes(rs->bl);

	heap0 = dpdk_heap_bytes();
	rs->rh = rh_create(("bl_look_" + std::to_string(n)).c_str(), n);
	for (uint64_t i = 0; rs->rh != nullptr && i < n; i++)
		if (rte_hash_add_key_data(rs->rh, &rs->keys[i], (void *)(uintptr_t)rs->val) != 0) {
			rte_hash_free(rs->rh);
			rs->rh = nullptr;
		}
	if (rs->rh == nullptr) {
		fprintf(stderr,
			"bench_route: rte_hash of %" PRIu64 " routes does not fit the DPDK heap "
			"(raise -m); its benchmarks at this size are skipped\n",
			n);
	}
	rs->rh_bytes = (double)(dpdk_heap_bytes() - heap0);
	route_set_verify(*rs);
	return rs;
}

void route_set_free(route_set *rs)
{
	if (rs == nullptr)
		return;
	bl_table_free(rs->bl);
	rte_hash_free(rs->rh);
	delete rs;
}

// One size at a time: the benchmarks of a size are registered together.
route_set *cached;

route_set *route_set_get(uint64_t n)
{
	if (cached == nullptr || cached->n != n) {
		route_set_free(cached);
		cached = route_set_new(n);
	}
	return cached;
}

void set_key_counters(benchmark::State &state, double route_bytes, uint64_t n)
{
	double keys = (double)state.iterations() * kBurst;

	state.SetItemsProcessed((int64_t)keys);
	// Shown as time a key ("per_key=4.2ns"); in JSON, seconds.
	state.counters["per_key"] =
	    benchmark::Counter(keys, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["bytes_per_route"] = route_bytes / (double)n;
}

void check(uint64_t bad, const char *what)
{
	if (bad != 0) {
		fprintf(stderr, "bench_route: %s: a lookup returned a wrong value\n", what);
		die("wrong lookup result");
	}
}

// ---- lookups ---------------------------------------------------------------

void lookup_beamline(benchmark::State &state, uint64_t n, enum dist d, bool burst)
{
	route_set *rs = route_set_get(n);
	struct bl_route_table *t = rs->bl;
	const uint64_t *q = rs->query[d].data();
	const uint16_t want = rs->val;
	uint32_t hashes[kBurst];
	uint16_t vals[kBurst];
	uint64_t bad = 0;
	size_t qi = 0;

	for (auto _ : state) {
		const uint64_t *k = q + qi;

		if (burst) {
			bl_route_lookup_bulk(t, k, kBurst, hashes, vals);
			for (unsigned i = 0; i < kBurst; i++)
				bad |= vals[i] ^ want;
		} else {
			for (unsigned i = 0; i < kBurst; i++)
				bad |= bl_route_lookup_val(t, k[i]) ^ want;
		}
		qi += kBurst;
		if (qi == kQueries) {
			qi = 0;
			rcu_quiescent_state();
		}
	}
	rcu_quiescent_state();
	check(bad, "beamline");
	set_key_counters(state, rs->bl_bytes, n);
}

void lookup_rte_hash(benchmark::State &state, uint64_t n, enum dist d, bool burst)
{
	route_set *rs = route_set_get(n);
	const struct rte_hash *h = rs->rh;
	const uint64_t *q = rs->query[d].data();
	const uintptr_t want = rs->val;
	const void *kp[kBurst];
	void *data[kBurst];
	uint64_t bad = 0, hits;
	size_t qi = 0;

	if (h == nullptr) {
		state.SkipWithError("rte_hash of this size does not fit the DPDK heap (-m)");
		return;
	}
	for (auto _ : state) {
		const uint64_t *k = q + qi;

		if (burst) {
			// Key pointers are part of rte_hash's price: a caller
			// with keys in an array (as an rx burst gives them) has
			// to make them.
			for (unsigned i = 0; i < kBurst; i++)
				kp[i] = &k[i];
			rte_hash_lookup_bulk_data(h, kp, kBurst, &hits, data);
			bad |= ~hits & ((1ull << kBurst) - 1);
			for (unsigned i = 0; i < kBurst; i++)
				bad |= (uintptr_t)data[i] ^ want;
		} else {
			for (unsigned i = 0; i < kBurst; i++) {
				void *dp;

				bad |= rte_hash_lookup_data(h, &k[i], &dp) < 0
					   ? 1
					   : (uintptr_t)dp ^ want;
			}
		}
		qi += kBurst;
		if (qi == kQueries) {
			qi = 0;
			rcu_quiescent_state(); // as the beamline loop does
		}
	}
	check(bad, "rte_hash");
	set_key_counters(state, rs->rh_bytes, n);
}

// ---- inserts and replaces --------------------------------------------------

void set_route_counters(benchmark::State &state, uint64_t n)
{
	double routes = (double)state.iterations() * (double)n;

	state.SetItemsProcessed((int64_t)routes);
	state.counters["per_route"] =
	    benchmark::Counter(routes, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// An empty table filled with n routes (the control thread loading a
// config). `reserve`: one bl_route_reserve first (timed too), so the table
// never rebuilds; else it doubles as it fills.
void insert_beamline(benchmark::State &state, uint64_t n, bool reserve)
{
	std::vector<uint64_t> keys = make_keys(n, kSeed);
	struct bl_route_spec spec = forward_spec(2);
	uint64_t bad = 0;

	for (auto _ : state) {
		state.PauseTiming();
		struct bl_route_table *t = bl_route_table_create(n);

		if (t == nullptr)
			die("beamline: cannot make the table");
		state.ResumeTiming();
		if (reserve && bl_route_reserve(t, n) != 0)
			die("beamline: bl_route_reserve failed");
		for (uint64_t i = 0; i < n; i++) {
			bad |= (uint64_t)(bl_route_add(t, keys[i], &spec) != 0);
			if (i % kQsbrEvery == 0)
				rcu_quiescent_state();
		}
		state.PauseTiming();
		if (t->count != n || bl_route_lookup_val(t, keys[n - 1]) == BL_ROUTE_VAL_NONE)
			bad = 1;
		bl_table_free(t);
		state.ResumeTiming();
	}
	if (bad != 0)
		die("beamline: an insert failed");
	set_route_counters(state, n);
}

// rte_hash is sized at creation: it never rebuilds.
void insert_rte_hash(benchmark::State &state, uint64_t n)
{
	std::vector<uint64_t> keys = make_keys(n, kSeed);
	struct rte_hash *h = rh_create("bl_insert", n);
	uint64_t bad = 0;

	if (h == nullptr) {
		state.SkipWithError("rte_hash does not fit the DPDK heap (-m)");
		return;
	}
	for (auto _ : state) {
		state.PauseTiming();
		rte_hash_reset(h);
		state.ResumeTiming();
		for (uint64_t i = 0; i < n; i++)
			bad |= (uint64_t)(rte_hash_add_key_data(h, &keys[i],
								(void *)(uintptr_t)1) != 0);
	}
	if (bad != 0 || (uint64_t)rte_hash_count(h) != n)
		die("rte_hash: an insert failed");
	rte_hash_free(h);
	set_route_counters(state, n);
}

// Every route of a full table moved to another hop, and back on the next
// iteration. Both hops are held (bl_route_hop_acquire) so neither is freed
// when its last route leaves it, as when other routes use them: otherwise
// each pass would intern a fresh hop slot.
void replace_beamline(benchmark::State &state, uint64_t n)
{
	std::vector<uint64_t> keys = make_keys(n, kSeed);
	struct bl_route_spec spec[2] = { forward_spec(2), forward_spec(3) };
	struct bl_route_table *t = bl_route_table_create(n);
	int hop[2];
	uint64_t bad = 0, it = 0;

	if (t == nullptr || bl_route_reserve(t, n) != 0)
		die("beamline: cannot make the table");
	for (int i = 0; i < 2; i++)
		if ((hop[i] = bl_route_hop_acquire(t, &spec[i].hop)) < 0)
			die("beamline: bl_route_hop_acquire failed");
	for (uint64_t i = 0; i < n; i++) {
		bad |= (uint64_t)(bl_route_add(t, keys[i], &spec[0]) != 0);
		if (i % kQsbrEvery == 0)
			rcu_quiescent_state();
	}
	for (auto _ : state) {
		const struct bl_route_spec *s = &spec[++it & 1];

		for (uint64_t i = 0; i < n; i++) {
			bad |= (uint64_t)(bl_route_add(t, keys[i], s) != 1);
			if (i % kQsbrEvery == 0)
				rcu_quiescent_state();
		}
	}
	if (bad != 0 || bl_route_of_val(bl_route_lookup_val(t, keys[0])).hop != hop[it & 1])
		die("beamline: a replace failed");
	for (int i = 0; i < 2; i++)
		bl_route_hop_release(t, (unsigned)hop[i]);
	bl_table_free(t);
	set_route_counters(state, n);
}

void replace_rte_hash(benchmark::State &state, uint64_t n)
{
	std::vector<uint64_t> keys = make_keys(n, kSeed);
	struct rte_hash *h = rh_create("bl_replace", n);
	uint64_t bad = 0, it = 0;
	void *d = nullptr;

	if (h == nullptr) {
		state.SkipWithError("rte_hash does not fit the DPDK heap (-m)");
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		bad |= (uint64_t)(rte_hash_add_key_data(h, &keys[i], (void *)(uintptr_t)0) != 0);
	for (auto _ : state) {
		void *v = (void *)(uintptr_t)(++it & 1);

		for (uint64_t i = 0; i < n; i++)
			bad |= (uint64_t)(rte_hash_add_key_data(h, &keys[i], v) != 0);
	}
	if (bad != 0 || (uint64_t)rte_hash_count(h) != n ||
	    rte_hash_lookup_data(h, &keys[0], &d) < 0 || (uintptr_t)d != (it & 1))
		die("rte_hash: a replace failed");
	rte_hash_free(h);
	set_route_counters(state, n);
}

// ---- set-up ----------------------------------------------------------------

void register_all(uint64_t max)
{
	for (uint64_t n : kLookupSizes) {
		if (n > max)
			continue;
		for (int d = 0; d < DIST_MAX; d++)
			for (int burst = 1; burst >= 0; burst--) {
				std::string tail = std::string(burst ? "/burst32/" : "/single/") +
						   dist_names[d] + "/" + std::to_string(n);

				benchmark::RegisterBenchmark(("BM_Lookup/beamline" + tail).c_str(),
							     lookup_beamline, n, (enum dist)d,
							     burst != 0);
				benchmark::RegisterBenchmark(("BM_Lookup/rte_hash" + tail).c_str(),
							     lookup_rte_hash, n, (enum dist)d,
							     burst != 0);
			}
	}

	uint64_t n = kChangeSize < max ? kChangeSize : max;
	std::string sz = "/" + std::to_string(n);

	benchmark::RegisterBenchmark(("BM_Insert/beamline/grow" + sz).c_str(), insert_beamline, n,
				     false)
	    ->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark(("BM_Insert/beamline/reserved" + sz).c_str(), insert_beamline,
				     n, true)
	    ->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark(("BM_Insert/rte_hash/presized" + sz).c_str(), insert_rte_hash,
				     n)
	    ->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark(("BM_Replace/beamline" + sz).c_str(), replace_beamline, n)
	    ->Unit(benchmark::kMillisecond);
	benchmark::RegisterBenchmark(("BM_Replace/rte_hash" + sz).c_str(), replace_rte_hash, n)
	    ->Unit(benchmark::kMillisecond);
}

// EAL without hugepages or devices, on the first CPU this process may use.
// rte_hash takes its memory from the DPDK heap, which --no-huge makes an
// anonymous mapping of -m MiB (touched only where used).
int eal_init(uint64_t max)
{
	cpu_set_t cpus;
	int cpu = 0;
	unsigned mb = max >= 10000000 ? 4096 : max >= 1000000 ? 1024 : 512;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &cpus))
			cpu++;
	std::vector<std::string> args = { "bench",
					  "--no-huge",
					  "--no-shconf",
					  "--no-pci",
					  "--no-telemetry",
					  "-m",
					  std::to_string(mb),
					  "-l",
					  std::to_string(cpu),
					  "--log-level=warning",
					  "--file-prefix",
					  "bench_route_" + std::to_string(getpid()) };
	std::vector<char *> argv;

	for (auto &a : args)
		argv.push_back(&a[0]);
	return rte_eal_init((int)argv.size(), argv.data()) < 0 ? -1 : 0;
}

// BENCH_ROUTE_MAX, then --route_max=N (taken out of argv before Google
// Benchmark sees it).
uint64_t size_limit(int *argc, char **argv)
{
	const char *env = getenv("BENCH_ROUTE_MAX");
	uint64_t max = UINT64_MAX;
	int j = 1;

	if (env != nullptr && *env != '\0')
		max = strtoull(env, nullptr, 0);
	for (int i = 1; i < *argc; i++) {
		if (strncmp(argv[i], "--route_max=", 12) == 0)
			max = strtoull(argv[i] + 12, nullptr, 0);
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = nullptr;
	if (max < kLookupSizes[0]) {
		fprintf(stderr, "bench_route: the size limit is below %" PRIu64 " routes\n",
			kLookupSizes[0]);
		exit(2);
	}
	return max;
}

} // namespace

int main(int argc, char **argv)
{
	uint64_t max = size_limit(&argc, argv);

	// The call_rcu worker that frees resized tables, made before EAL pins
	// this thread, so that it is not pinned to this thread's CPU.
	(void)get_default_call_rcu_data();
	if (eal_init(max) != 0)
		return 1;
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	// This thread runs every benchmark: it reads and writes the tables.
	rcu_register_thread();
	register_all(max);
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	route_set_free(cached);
	cached = nullptr;
	rcu_thread_offline();
	rcu_unregister_thread();
	rte_eal_cleanup();
	return 0;
}
