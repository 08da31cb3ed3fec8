//! INFO [section ...]: Redis 7.0's sections, field names and layout (`# Server` headers,
//! `field:value` lines, CRLF line ends, a blank line between sections), so that tools that
//! parse INFO (redis-cli --stat, exporters, client libraries' readiness checks) read Anax.
//!
//! Fields report what Anax knows; the ones about machinery it does not have (forks, AOF,
//! replication backlogs, defragmentation, network byte counters) are there with the values
//! an idle Redis shows, so that parsers find every field they expect.

use super::connection::REDIS_VERSION;
use crate::engine::Ctx;
use crate::observe;
use alloc::string::String;
use alloc::vec::Vec;
use anax_protocol::Args;
use core::fmt::Write as _;

/// The sections `INFO` and `INFO default` show.
const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Which sections a call asked for.
struct Wanted {
    names: Vec<String>,
    all: bool,
}

impl Wanted {
    fn parse(args: Args<'_>) -> Wanted {
        let mut w = Wanted {
            names: Vec::new(),
            all: false,
        };
        if args.len() == 1 {
            w.names = DEFAULT.iter().map(|s| String::from(*s)).collect();
            return w;
        }
        for a in args.iter().skip(1) {
            let s = String::from_utf8_lossy(a).to_ascii_lowercase();
            match s.as_str() {
                "default" => w.names.extend(DEFAULT.iter().map(|s| String::from(*s))),
                // "everything" adds the sections modules generate: there are none.
                "all" | "everything" => w.all = true,
                _ => w.names.push(s),
            }
        }
        w
    }

    fn has(&self, section: &str) -> bool {
        self.all || self.names.iter().any(|n| n == section)
    }
}

/// True when INFO with `args` shows the latencystats section (`all`, `everything`, or by
/// name): the coordinator gathers the other threads' latency histograms for it then.
pub fn wants_latencystats(args: Args<'_>) -> bool {
    args.len() > 1
        && args.get(0).eq_ignore_ascii_case(b"info")
        && Wanted::parse(args).has("latencystats")
}

/// Redis's `bytesToHuman`.
pub fn bytes_to_human(n: u64) -> String {
    const K: f64 = 1024.0;
    let d = n as f64;
    if n < 1024 {
        alloc::format!("{n}B")
    } else if d < K * K {
        alloc::format!("{:.2}K", d / K)
    } else if d < K * K * K {
        alloc::format!("{:.2}M", d / (K * K))
    } else if d < K * K * K * K {
        alloc::format!("{:.2}G", d / (K * K * K))
    } else if d < K * K * K * K * K {
        alloc::format!("{:.2}T", d / (K * K * K * K))
    } else if d < K * K * K * K * K * K {
        alloc::format!("{:.2}P", d / (K * K * K * K * K))
    } else {
        alloc::format!("{n}B")
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// INFO [section [section ...]]
pub fn info(ctx: &mut Ctx<'_>, args: Args<'_>) {
    let wanted = Wanted::parse(args);
    let mut sections: Vec<String> = Vec::new();
    let mut add = |name: &str, body: String| {
        let mut s = String::with_capacity(body.len() + 16);
        s.push_str("# ");
        s.push_str(name);
        s.push_str("\r\n");
        s.push_str(&body);
        sections.push(s);
    };
    // Each `w!(s, "field:{}", v)` appends one line with its CRLF.
    macro_rules! w {
        ($s:expr, $($arg:tt)*) => {{
            let _ = write!($s, $($arg)*);
            $s.push_str("\r\n");
        }};
    }
    // Counters are per thread: these are the sums (the coordinator gathers the other
    // threads' for a server of several).
    let totals = ctx.totals();
    let persistence = ctx.host.persistence();
    let last_save_time = super::server::last_save_time(ctx);
    let st = &*ctx.state;
    let cfg = &st.config;
    let now_us = ctx.now_us;
    if wanted.has("server") {
        let mut s = String::new();
        let uptime = now_us.saturating_sub(st.info.started_us) / 1_000_000;
        w!(s, "redis_version:{REDIS_VERSION}");
        w!(s, "redis_git_sha1:00000000");
        w!(s, "redis_git_dirty:0");
        w!(s, "redis_build_id:0");
        w!(s, "redis_mode:standalone");
        w!(s, "os:{}", st.info.os);
        w!(s, "arch_bits:{}", st.info.arch_bits);
        w!(s, "monotonic_clock:POSIX clock_gettime");
        w!(s, "multiplexing_api:{}", st.info.multiplexing_api);
        w!(s, "atomicvar_api:c11-builtin");
        w!(s, "gcc_version:0.0.0");
        w!(s, "process_id:{}", st.info.pid);
        w!(s, "process_supervised:no");
        w!(s, "run_id:{}", st.info.run_id);
        w!(s, "tcp_port:{}", cfg.port);
        w!(s, "server_time_usec:{now_us}");
        w!(s, "uptime_in_seconds:{uptime}");
        w!(s, "uptime_in_days:{}", uptime / 86400);
        w!(s, "hz:{}", cfg.hz);
        w!(s, "configured_hz:{}", cfg.hz);
        w!(s, "lru_clock:{}", (now_us / 1_000_000) & ((1 << 24) - 1));
        w!(s, "executable:{}", st.info.executable);
        w!(s, "config_file:{}", cfg.config_file);
        w!(s, "io_threads_active:0");
        w!(s, "anax_version:{}", env!("CARGO_PKG_VERSION"));
        w!(s, "anax_shards:{}", st.total_shards);
        add("Server", s);
    }
    if wanted.has("clients") {
        let mut s = String::new();
        w!(s, "connected_clients:{}", totals.connected_clients);
        w!(s, "cluster_connections:0");
        w!(s, "maxclients:{}", cfg.maxclients);
        w!(s, "client_recent_max_input_buffer:0");
        w!(s, "client_recent_max_output_buffer:0");
        w!(s, "blocked_clients:{}", totals.blocked_clients);
        w!(s, "tracking_clients:0");
        w!(s, "clients_in_timeout_table:0");
        add("Clients", s);
    }
    if wanted.has("memory") {
        let mut s = String::new();
        let used = ctx.host.used_memory();
        let rss = ctx.host.rss();
        // No peak is tracked yet: the current figure stands for it.
        let peak = used;
        let overhead = totals.table_memory;
        let dataset = used.saturating_sub(overhead);
        w!(s, "used_memory:{used}");
        w!(s, "used_memory_human:{}", bytes_to_human(used));
        w!(s, "used_memory_rss:{rss}");
        w!(s, "used_memory_rss_human:{}", bytes_to_human(rss));
        w!(s, "used_memory_peak:{peak}");
        w!(s, "used_memory_peak_human:{}", bytes_to_human(peak));
        w!(s, "used_memory_peak_perc:{:.2}%", ratio(used, peak) * 100.0);
        w!(s, "used_memory_overhead:{overhead}");
        w!(s, "used_memory_startup:0");
        w!(s, "used_memory_dataset:{dataset}");
        w!(
            s,
            "used_memory_dataset_perc:{:.2}%",
            ratio(dataset, used) * 100.0
        );
        // The host reports one figure for the allocator: allocated and active are it.
        w!(s, "allocator_allocated:{used}");
        w!(s, "allocator_active:{used}");
        w!(s, "allocator_resident:{rss}");
        w!(s, "total_system_memory:0");
        w!(s, "total_system_memory_human:0B");
        for f in [
            "used_memory_lua:0",
            "used_memory_vm_eval:0",
            "used_memory_lua_human:0B",
            "used_memory_scripts_eval:0",
            "number_of_cached_scripts:0",
            "number_of_functions:0",
            "number_of_libraries:0",
            "used_memory_vm_functions:0",
            "used_memory_vm_total:0",
            "used_memory_vm_total_human:0B",
            "used_memory_functions:0",
            "used_memory_scripts:0",
            "used_memory_scripts_human:0B",
        ] {
            w!(s, "{f}");
        }
        w!(s, "maxmemory:{}", cfg.maxmemory);
        w!(s, "maxmemory_human:{}", bytes_to_human(cfg.maxmemory));
        w!(s, "maxmemory_policy:{}", cfg.maxmemory_policy);
        w!(s, "allocator_frag_ratio:1.00");
        w!(s, "allocator_frag_bytes:0");
        w!(s, "allocator_rss_ratio:{:.2}", ratio(rss, used));
        w!(s, "allocator_rss_bytes:{}", rss as i64 - used as i64);
        w!(s, "rss_overhead_ratio:1.00");
        w!(s, "rss_overhead_bytes:0");
        w!(s, "mem_fragmentation_ratio:{:.2}", ratio(rss, used));
        w!(s, "mem_fragmentation_bytes:{}", rss as i64 - used as i64);
        w!(s, "mem_not_counted_for_evict:0");
        w!(s, "mem_replication_backlog:0");
        w!(s, "mem_total_replication_buffers:0");
        w!(s, "mem_clients_slaves:0");
        w!(s, "mem_clients_normal:0");
        w!(s, "mem_cluster_links:0");
        w!(s, "mem_aof_buffer:0");
        w!(s, "mem_allocator:libc");
        w!(s, "active_defrag_running:0");
        w!(s, "lazyfree_pending_objects:0");
        w!(s, "lazyfreed_objects:0");
        add("Memory", s);
    }
    if wanted.has("persistence") {
        let mut s = String::new();
        let p = &persistence;
        w!(s, "loading:{}", p.loading as u8);
        w!(s, "async_loading:0");
        w!(s, "current_cow_peak:0");
        w!(s, "current_cow_size:0");
        w!(s, "current_cow_size_age:0");
        w!(s, "current_fork_perc:0.00");
        w!(s, "current_save_keys_processed:0");
        w!(s, "current_save_keys_total:0");
        w!(
            s,
            "rdb_changes_since_last_save:{}",
            totals.dirty.saturating_sub(p.dirty_at_last_save)
        );
        w!(s, "rdb_bgsave_in_progress:{}", p.in_progress as u8);
        w!(s, "rdb_last_save_time:{}", last_save_time);
        let status = if p.last_bgsave_ok { "ok" } else { "err" };
        w!(s, "rdb_last_bgsave_status:{}", status);
        w!(s, "rdb_last_bgsave_time_sec:{}", p.last_bgsave_time_sec);
        let current = if p.in_progress {
            (now_us / 1_000_000).saturating_sub(p.current_start) as i64
        } else {
            -1
        };
        w!(s, "rdb_current_bgsave_time_sec:{}", current);
        w!(s, "rdb_saves:{}", p.saves);
        w!(s, "rdb_last_cow_size:0");
        w!(s, "rdb_last_load_keys_expired:{}", p.last_load_keys_expired);
        w!(s, "rdb_last_load_keys_loaded:{}", p.last_load_keys_loaded);
        w!(s, "aof_enabled:0");
        w!(s, "aof_rewrite_in_progress:0");
        w!(s, "aof_rewrite_scheduled:0");
        w!(s, "aof_last_rewrite_time_sec:-1");
        w!(s, "aof_current_rewrite_time_sec:-1");
        w!(s, "aof_last_bgrewrite_status:ok");
        w!(s, "aof_rewrites:0");
        w!(s, "aof_rewrites_consecutive_failures:0");
        w!(s, "aof_last_write_status:ok");
        w!(s, "aof_last_cow_size:0");
        w!(s, "module_fork_in_progress:0");
        w!(s, "module_fork_last_cow_size:0");
        add("Persistence", s);
    }
    if wanted.has("stats") {
        let mut s = String::new();
        let stats = &totals.stats;
        let expired = totals.expired_keys;
        w!(
            s,
            "total_connections_received:{}",
            stats.total_connections_received
        );
        w!(
            s,
            "total_commands_processed:{}",
            stats.total_commands_processed
        );
        for f in [
            "instantaneous_ops_per_sec:0",
            "total_net_input_bytes:0",
            "total_net_output_bytes:0",
            "total_net_repl_input_bytes:0",
            "total_net_repl_output_bytes:0",
            "instantaneous_input_kbps:0.00",
            "instantaneous_output_kbps:0.00",
            "instantaneous_input_repl_kbps:0.00",
            "instantaneous_output_repl_kbps:0.00",
        ] {
            w!(s, "{f}");
        }
        w!(s, "rejected_connections:{}", stats.rejected_connections);
        w!(s, "sync_full:0");
        w!(s, "sync_partial_ok:0");
        w!(s, "sync_partial_err:0");
        w!(s, "expired_keys:{expired}");
        for f in [
            "expired_stale_perc:0.00",
            "expired_time_cap_reached_count:0",
            "expire_cycle_cpu_milliseconds:0",
            "evicted_keys:0",
            "evicted_clients:0",
            "total_eviction_exceeded_time:0",
            "current_eviction_exceeded_time:0",
        ] {
            w!(s, "{f}");
        }
        w!(s, "keyspace_hits:{}", stats.keyspace_hits);
        w!(s, "keyspace_misses:{}", stats.keyspace_misses);
        let (channels, patterns, shard) = ctx.clients.registry().hub.sizes();
        w!(s, "pubsub_channels:{channels}");
        w!(s, "pubsub_patterns:{patterns}");
        w!(s, "pubsubshard_channels:{shard}");
        for f in [
            "latest_fork_usec:0",
            "total_forks:0",
            "migrate_cached_sockets:0",
            "slave_expires_tracked_keys:0",
            "active_defrag_hits:0",
            "active_defrag_misses:0",
            "active_defrag_key_hits:0",
            "active_defrag_key_misses:0",
            "total_active_defrag_time:0",
            "current_active_defrag_time:0",
            "tracking_total_keys:0",
            "tracking_total_items:0",
            "tracking_total_prefixes:0",
            "unexpected_error_replies:0",
        ] {
            w!(s, "{f}");
        }
        w!(s, "total_error_replies:{}", stats.total_error_replies);
        for f in [
            "dump_payload_sanitizations:0",
            "total_reads_processed:0",
            "total_writes_processed:0",
            "io_threaded_reads_processed:0",
            "io_threaded_writes_processed:0",
            "reply_buffer_shrinks:0",
            "reply_buffer_expands:0",
        ] {
            w!(s, "{f}");
        }
        add("Stats", s);
    }
    if wanted.has("replication") {
        let mut s = String::new();
        w!(s, "role:master");
        w!(s, "connected_slaves:0");
        w!(s, "master_failover_state:no-failover");
        w!(s, "master_replid:{}", st.info.run_id);
        w!(s, "master_replid2:0000000000000000000000000000000000000000");
        w!(s, "master_repl_offset:0");
        w!(s, "second_repl_offset:-1");
        w!(s, "repl_backlog_active:0");
        w!(s, "repl_backlog_size:1048576");
        w!(s, "repl_backlog_first_byte_offset:0");
        w!(s, "repl_backlog_histlen:0");
        add("Replication", s);
    }
    if wanted.has("cpu") {
        // The host does not report CPU time yet.
        let mut s = String::new();
        for f in [
            "used_cpu_sys",
            "used_cpu_user",
            "used_cpu_sys_children",
            "used_cpu_user_children",
            "used_cpu_sys_main_thread",
            "used_cpu_user_main_thread",
        ] {
            w!(s, "{f}:0.000000");
        }
        add("CPU", s);
    }
    if wanted.has("module_list") || wanted.has("modules") {
        add("Modules", String::new());
    }
    if wanted.has("commandstats") {
        let mut s = String::new();
        for (e, c) in st.commands.entries.iter().zip(&totals.commands) {
            if c.calls == 0 && c.failed_calls == 0 && c.rejected_calls == 0 {
                continue;
            }
            let per_call = if c.calls == 0 {
                0.0
            } else {
                c.usec as f64 / c.calls as f64
            };
            w!(
                s,
                "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}",
                e.fullname,
                c.calls,
                c.usec,
                per_call,
                c.rejected_calls,
                c.failed_calls
            );
        }
        add("Commandstats", s);
    }
    if wanted.has("errorstats") {
        let mut s = String::new();
        let mut errs: Vec<(&String, &u64)> = totals.stats.errors.iter().collect();
        errs.sort();
        for (code, n) in errs {
            w!(s, "errorstat_{code}:count={n}");
        }
        add("Errorstats", s);
    }
    if wanted.has("latencystats") {
        // Per command with calls, the configured percentiles of its latency (Redis's
        // `fillPercentileDistributionLatencies`): every thread's histograms summed. Nothing
        // while `latency-tracking` is off, as Redis.
        let mut s = String::new();
        if cfg.latency_tracking {
            let percentiles: Vec<(f64, String)> = cfg
                .latency_percentiles()
                .into_iter()
                .map(|p| (p, observe::percentile_name(p)))
                .collect();
            for (i, e) in st.commands.entries.iter().enumerate() {
                let remote = totals.latency.get(i).filter(|h| !h.is_empty());
                if e.latency.is_empty() && remote.is_none() {
                    continue;
                }
                let merged;
                let h = match remote {
                    Some(r) => {
                        let mut m = e.latency.clone();
                        m.merge(r);
                        merged = m;
                        &merged
                    }
                    None => &e.latency,
                };
                let _ = write!(s, "latency_percentiles_usec_{}:", e.fullname);
                for (j, (p, name)) in percentiles.iter().enumerate() {
                    if j > 0 {
                        s.push(',');
                    }
                    let us = h.percentile_ns(*p) as f64 / 1000.0;
                    let _ = write!(s, "p{name}={us:.3}");
                }
                s.push_str("\r\n");
            }
        }
        add("Latencystats", s);
    }
    if wanted.has("cluster") {
        add("Cluster", String::from("cluster_enabled:0\r\n"));
    }
    if wanted.has("keyspace") {
        let mut s = String::new();
        for (i, &(keys, expires)) in totals.keyspace.iter().enumerate().take(cfg.databases) {
            if keys > 0 || expires > 0 {
                w!(s, "db{i}:keys={keys},expires={expires},avg_ttl=0");
            }
        }
        add("Keyspace", s);
    }
    let out = sections.join("\r\n");
    ctx.reply.verbatim(b"txt", out.as_bytes());
}
