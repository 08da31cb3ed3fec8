//! Snapshots on disk: the writer thread, the server-wide persistence state, and loading at
//! start-up.
//!
//! The engine produces a snapshot as chunks of RDB bytes, each shard its own (see
//! `anax_core::snapshot`). When a snapshot begins, [`Persist`] opens `temp-<pid>.rdb` in the
//! target directory and starts a writer thread that writes the header, then every chunk
//! as it arrives from any shard thread, then, once every shard reported its part done,
//! EOF and the CRC-64; it fsyncs the file, renames it over `dir/dbfilename` and fsyncs the
//! directory. A crash or an error before the rename leaves the last good file alone (the
//! temporary file is removed on error).
//!
//! Backpressure: a shard thread's bytes in flight (given to the writer, not yet written)
//! are counted; the background walk pauses while they exceed [`INFLIGHT_LIMIT`], and the
//! channel to the writer is bounded, so a SAVE (which hands everything at once) waits for
//! the disk instead of buffering the dataset.

use crate::{notice, warning};
use anax_core::db::Entry;
use anax_core::rdb::read::{LoadOptions, Source};
use anax_core::rdb::write::{Aux, Sink, Writer};
use anax_core::snapshot::{Persistence, Refused, SaveKind, AUX_REDIS_VER};
use anax_core::{Config, SaveTarget};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// Bytes a shard may have in flight to the writer before its walk pauses.
pub const INFLIGHT_LIMIT: usize = 1 << 20;
/// After a failed background save, save points wait this long before trying again (as
/// Redis's `CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_S: u64 = 5;

enum WMsg {
    Chunk(usize, Vec<u8>),
    Done,
}

/// The server-wide persistence state, shared by every shard thread.
pub struct Persist {
    state: Mutex<State>,
    finished: Condvar,
    /// Per shard: bytes given to the writer and not written yet.
    inflight: Vec<AtomicUsize>,
    /// Per shard thread: its engine's write counter, published by its periodic work.
    dirty: Vec<AtomicU64>,
    /// The directory given at start (the process changed into it).
    initial_dir: String,
}

struct State {
    p: Persistence,
    tx: Option<SyncSender<WMsg>>,
    /// The write counter when the running snapshot started.
    dirty_at_start: u64,
    /// The outcome of the last save.
    last: Option<Result<(), String>>,
    /// Unix seconds of the last background save attempt.
    last_try: u64,
    /// The temporary file of the running snapshot.
    tmp: Option<PathBuf>,
}

/// Unix seconds now.
fn now_s() -> u64 {
    crate::sys::now_us() / 1_000_000
}

impl Persist {
    /// The state of a server with `shards` shard threads, started in `initial_dir`.
    pub fn new(shards: usize, initial_dir: &str, loaded: Option<(u64, u64)>) -> Arc<Persist> {
        let mut p = Persistence::default();
        if let Some((keys, expired)) = loaded {
            p.last_load_keys_loaded = keys;
            p.last_load_keys_expired = expired;
        }
        Arc::new(Persist {
            state: Mutex::new(State {
                p,
                tx: None,
                dirty_at_start: 0,
                last: None,
                last_try: 0,
                tmp: None,
            }),
            finished: Condvar::new(),
            inflight: (0..shards).map(|_| AtomicUsize::new(0)).collect(),
            dirty: (0..shards).map(|_| AtomicU64::new(0)).collect(),
            initial_dir: initial_dir.to_string(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The facts INFO and LASTSAVE show.
    pub fn persistence(&self) -> Persistence {
        self.lock().p.clone()
    }

    /// Where a snapshot to `dir`/`dbfilename` goes.
    fn path_of(&self, dir: &str, file: &str) -> PathBuf {
        if dir == self.initial_dir {
            PathBuf::from(file)
        } else {
            Path::new(dir).join(file)
        }
    }

    /// The file a save with `config` writes.
    pub fn target_path(&self, config: &Config) -> PathBuf {
        self.path_of(&config.dir, &config.dbfilename)
    }

    /// Starts a snapshot: opens the temporary file and the writer thread.
    pub fn begin(self: &Arc<Self>, kind: SaveKind, target: &SaveTarget) -> Result<(), Refused> {
        let mut st = self.lock();
        if st.tx.is_some() {
            return Err(Refused::InProgress);
        }
        let path = self.path_of(&target.dir, &target.dbfilename);
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let tmp = dir.join(format!("temp-{}.rdb", std::process::id()));
        // A file that cannot be opened fails the save at its end, as in Redis (where the
        // child fails after BGSAVE answered "started"): the shards' parts run and are
        // discarded.
        let (file, open_error) = match File::create(&tmp) {
            Ok(f) => (Some(io::BufWriter::with_capacity(1 << 16, f)), None),
            Err(e) => (
                None,
                Some(format!(
                    "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
                    tmp.display(),
                    std::env::current_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default(),
                    e
                )),
            ),
        };
        let aux = Aux {
            redis_ver: AUX_REDIS_VER,
            ctime: now_s() as i64,
            used_mem: crate::sys::allocated(),
            aof_base: false,
        };
        let writer = match Writer::new(FileSink(file), &aux, target.compression) {
            Ok(w) => w,
            Err(e) => return Err(Refused::Failed(e.to_string())),
        };
        // Room for every shard's bytes in flight: a background part never waits here (it
        // checks `room` first); a SAVE, which does not, waits for the disk.
        let (tx, rx) =
            sync_channel(target.shards * (INFLIGHT_LIMIT / anax_core::snapshot::CHUNK_BYTES + 2));
        st.tx = Some(tx);
        st.tmp = Some(tmp.clone());
        st.last = None;
        st.p.in_progress = kind == SaveKind::Background;
        st.p.scheduled = false;
        st.p.current_start = now_s();
        if kind == SaveKind::Background {
            st.last_try = now_s();
            notice!("Background saving started by pid {}", std::process::id());
        }
        drop(st);
        let me = self.clone();
        let shards = target.shards;
        let spawned = std::thread::Builder::new()
            .name("anax-rdb-writer".into())
            .spawn(move || me.write_file(kind, writer, rx, shards, open_error, tmp, path));
        if let Err(e) = spawned {
            let mut st = self.lock();
            st.tx = None;
            st.p.in_progress = false;
            return Err(Refused::Failed(format!(
                "Can't start the writer thread: {e}"
            )));
        }
        Ok(())
    }

    /// The writer thread's body.
    #[allow(clippy::too_many_arguments)]
    fn write_file(
        self: Arc<Self>,
        kind: SaveKind,
        mut w: Writer<FileSink>,
        rx: Receiver<WMsg>,
        shards: usize,
        open_error: Option<String>,
        tmp: PathBuf,
        path: PathBuf,
    ) {
        let started = Instant::now();
        let mut left = shards;
        let mut error = open_error;
        while left > 0 {
            match rx.recv() {
                Ok(WMsg::Chunk(shard, bytes)) => {
                    if error.is_none() {
                        if let Err(e) = w.raw(&bytes) {
                            error = Some(e.to_string());
                        }
                    }
                    self.inflight[shard].fetch_sub(bytes.len(), Ordering::Relaxed);
                }
                Ok(WMsg::Done) => left -= 1,
                Err(_) => {
                    error.get_or_insert_with(|| String::from("the snapshot was abandoned"));
                    break;
                }
            }
        }
        let result = match error {
            Some(e) => Err(e),
            None => finish_file(w, &tmp, &path),
        };
        if let Err(e) = &result {
            let _ = fs::remove_file(&tmp);
            warning!("{}", e);
        }
        let secs = started.elapsed().as_secs();
        let mut st = self.lock();
        st.tx = None;
        st.tmp = None;
        st.p.in_progress = false;
        match &result {
            Ok(()) => {
                st.p.saves += 1;
                st.p.last_save_time = now_s();
                st.p.dirty_at_last_save = st.dirty_at_start;
                if kind == SaveKind::Background {
                    notice!("Background saving terminated with success");
                } else {
                    notice!("DB saved on disk");
                }
            }
            Err(_) if kind == SaveKind::Background => warning!("Background saving error"),
            Err(_) => {}
        }
        if kind == SaveKind::Background {
            st.p.last_bgsave_ok = result.is_ok();
            st.p.last_bgsave_time_sec = secs as i64;
        } else if result.is_ok() {
            // As Redis's `rdbSave`: a good save clears a failed BGSAVE's status.
            st.p.last_bgsave_ok = true;
        }
        st.last = Some(result);
        drop(st);
        self.finished.notify_all();
    }

    /// Every shard has started its part.
    pub fn started(&self, dirty: u64) {
        self.lock().dirty_at_start = dirty;
    }

    /// Whether shard `shard` may hand over more bytes now.
    pub fn room(&self, shard: usize) -> bool {
        self.inflight[shard].load(Ordering::Relaxed) < INFLIGHT_LIMIT
    }

    /// A chunk of shard `shard`.
    pub fn chunk(&self, shard: usize, bytes: Vec<u8>) {
        let tx = self.lock().tx.clone();
        if let Some(tx) = tx {
            self.inflight[shard].fetch_add(bytes.len(), Ordering::Relaxed);
            let n = bytes.len();
            if tx.send(WMsg::Chunk(shard, bytes)).is_err() {
                self.inflight[shard].fetch_sub(n, Ordering::Relaxed);
            }
        }
    }

    /// Shard `shard`'s part is complete.
    pub fn shard_done(&self, _shard: usize) {
        let tx = self.lock().tx.clone();
        if let Some(tx) = tx {
            let _ = tx.send(WMsg::Done);
        }
    }

    /// Waits until the running snapshot's file is complete; its outcome.
    pub fn wait(&self) -> Result<(), String> {
        let mut st = self.lock();
        while st.tx.is_some() {
            st = self.finished.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.last
            .clone()
            .unwrap_or_else(|| Err(String::from("no save ran")))
    }

    /// BGSAVE inside MULTI.
    pub fn schedule(&self) {
        self.lock().p.scheduled = true;
    }

    /// The bytes of the snapshot file at `target` (DEBUG RELOAD).
    pub fn read(&self, target: &SaveTarget) -> Result<Vec<u8>, String> {
        let path = self.path_of(&target.dir, &target.dbfilename);
        fs::read(&path).map_err(|e| format!("{}: {}", path.display(), e))
    }

    /// Publishes shard thread `index`'s write counter (for save points).
    pub fn publish_dirty(&self, index: usize, dirty: u64) {
        self.dirty[index].store(dirty, Ordering::Relaxed);
    }

    /// True when a background save should start now: one was scheduled, or a save point
    /// of `points` is reached (as Redis's `serverCron`).
    pub fn due(&self, points: &[(i64, i64)], started_s: u64) -> bool {
        let st = self.lock();
        if st.tx.is_some() {
            return false;
        }
        if st.p.scheduled {
            return true;
        }
        let dirty: u64 = self.dirty.iter().map(|d| d.load(Ordering::Relaxed)).sum();
        let changes = dirty.saturating_sub(st.p.dirty_at_last_save);
        let now = now_s();
        let last = if st.p.last_save_time == 0 {
            started_s
        } else {
            st.p.last_save_time
        };
        let may_try = st.p.last_bgsave_ok || now.saturating_sub(st.last_try) > RETRY_DELAY_S;
        may_try
            && points
                .iter()
                .any(|&(secs, n)| changes >= n as u64 && now.saturating_sub(last) as i64 > secs)
    }

    /// At exit: a snapshot still being written is abandoned and its temporary file
    /// removed (as Redis kills its saving child at shutdown).
    pub fn abandon(&self) {
        let mut st = self.lock();
        if let Some(tmp) = st.tmp.take() {
            warning!("There is a background save in progress: abandoning it.");
            st.tx = None;
            let _ = fs::remove_file(tmp);
        }
    }

    /// True while a snapshot is being written.
    pub fn busy(&self) -> bool {
        self.lock().tx.is_some()
    }
}

/// Ends the file, fsyncs it, renames it into place and fsyncs the directory.
fn finish_file(w: Writer<FileSink>, tmp: &Path, path: &Path) -> Result<(), String> {
    let sink = w.finish().map_err(|e| e.to_string())?;
    let file = sink
        .0
        .ok_or_else(|| String::from("no file"))?
        .into_inner()
        .map_err(|e| e.error().to_string())?;
    file.sync_all().map_err(|e| e.to_string())?;
    drop(file);
    fs::rename(tmp, path).map_err(|e| {
        format!(
            "Error moving temp DB file {} on the final destination {}: {}",
            tmp.display(),
            path.display(),
            e
        )
    })?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A file as the RDB writer's sink (none: the file could not be opened).
struct FileSink(Option<io::BufWriter<File>>);

impl Sink for FileSink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), anax_core::rdb::Error> {
        match &mut self.0 {
            Some(f) => f
                .write_all(bytes)
                .map_err(|e| anax_core::rdb::Error::Io(e.to_string())),
            None => Err(anax_core::rdb::Error::Io(String::from("no file"))),
        }
    }
}

/// A file as the RDB reader's source.
struct FileSource(io::BufReader<File>);

impl Source for FileSource {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, anax_core::rdb::Error> {
        loop {
            match self.0.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(anax_core::rdb::Error::Io(e.to_string())),
            }
        }
    }
}

/// The keys of a file loaded at start-up, by shard: (database, key, entry).
pub type Preload = Vec<Vec<(usize, Vec<u8>, Entry)>>;

/// Loads `path` at start-up (as Redis's `loadDataFromDisk`), each key sorted to its shard
/// among `shards`: `Ok(None)` when there is no file; an error text when the file cannot be
/// loaded (the server then exits). Logs as Redis does.
pub fn load_at_start(
    path: &Path,
    config: &Config,
    shards: usize,
) -> Result<Option<(Preload, u64, u64)>, String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Fatal error loading the DB: {e}. Exiting.")),
    };
    let mut src = FileSource(io::BufReader::with_capacity(1 << 16, file));
    let opts = LoadOptions::from_config(config);
    let now_ms = crate::sys::now_us() / 1000;
    let mut per: Preload = (0..shards).map(|_| Vec::new()).collect();
    let st = anax_core::snapshot::load_file(&mut src, &opts, shards, now_ms, |s, db, k, e| {
        per[s].push((db, k, e))
    })
    .map_err(|e| {
        format!(
            "Fatal error loading the DB from {}: {}. Exiting.",
            path.display(),
            e
        )
    })?;
    let aux = |name: &[u8]| {
        st.summary
            .aux
            .iter()
            .find(|(k, _)| k.as_slice() == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    if let Some(v) = aux(b"redis-ver") {
        notice!("Loading RDB produced by version {}", v);
    }
    if let Some(t) = aux(b"ctime").and_then(|t| t.parse::<i64>().ok()) {
        notice!("RDB age {} seconds", now_s() as i64 - t);
    }
    if let Some(m) = aux(b"used-mem").and_then(|t| t.parse::<u64>().ok()) {
        notice!(
            "RDB memory usage when created {:.2} Mb",
            m as f64 / (1024.0 * 1024.0)
        );
    }
    notice!(
        "Done loading RDB, keys loaded: {}, keys expired: {}.",
        st.loaded,
        st.expired
    );
    // "DB loaded from disk" comes from the caller once every shard thread holds its keys.
    Ok(Some((per, st.loaded, st.expired)))
}
