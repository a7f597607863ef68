/*
 * floor.c: the "floor" daemon of tests/bench/bench.py, a reference supervisor that does
 * only what a supervisor must, from one thread, so that the benchmark can say how far
 * supervisor-rs and Python supervisord are from the least work the OS allows:
 *
 *   - spawn every program with posix_spawn (a vfork-style clone in glibc), each in its
 *     own process group, stdin on /dev/null, stdout and stderr on pipes;
 *   - copy each pipe into its log file with poll(2) and 64 KiB read/write, rotating at
 *     maxbytes with N backups named as supervisord names them (file, file.1 ... file.N,
 *     file.1 the newest);
 *   - restart a program at once when it exits, if autorestart is set;
 *   - reap with waitpid; on SIGTERM (or SIGINT, SIGHUP) send SIGTERM to every child,
 *     reap them all (SIGKILL after 10 s), drain the pipes and exit 0.
 * No API, no backoff, no startsecs, no INI parser.
 *
 * With -s (the "splice floor", bench.py's `splice-floor`) a log that never rotates is
 * filled with splice(2) instead of read/write: the one copy the kernel must make
 * (pipe pages into the page cache) and nothing else, from 1 MiB pipes drained whole,
 * pausing 1 ms after a wake-up that moved 64 KiB or more so that a flood costs a
 * wake-up per several hundred KiB (what supervisor-rs does, process/output.rs). It is
 * the least CPU any supervisor can spend moving a child's output into a file, and the
 * bound BENCHMARKS.md holds the no-rotation figure against.
 *
 * With -S (the "supervisor floor", bench.py's `supervisor-floor`) every spawn also does
 * the work Supervisor's own semantics add, at its least: the child's stdin is a pipe
 * whose write end the parent holds for the child's life (Supervisor's
 * `sendProcessStdin`; options.py `make_pipes`), and the command is checked in the
 * parent before the spawn with one access(X_OK) of the file found on PATH at load
 * (Supervisor's `check_execv_args`, with the lookup remembered as supervisor-rs
 * remembers it, crates/sys/src/path_cache.rs), which is then exec'd without a search.
 * It is the bound BENCHMARKS.md holds the churn figure against beside the floor.
 *
 * Usage:  floor [-s] [-S] PROGRAMS_FILE
 *
 * PROGRAMS_FILE, written by the harness beside the INI it generates: one program per
 * line, fields separated by one TAB (so no field may contain a TAB or a newline);
 * empty lines and lines starting with '#' are ignored:
 *
 *   name  autorestart  stdout_path  stdout_maxbytes  stdout_backups
 *         stderr_path  stderr_maxbytes  stderr_backups  env  argv0  [argv1 ...]
 *
 *   autorestart      1 or 0
 *   *_maxbytes       bytes; 0 = never rotate
 *   *_backups        number of rotated files kept
 *   env              "-" or space-separated KEY=VALUE pairs added to the environment
 *   argv0 argv1 ...  the program's argv, already split (argv0 is looked up in PATH);
 *                    it is run directly, not through a shell
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CHUNK 65536
#define SPLICE_PIPE (1024 * 1024)
#define BUSY 65536
#define KILL_AFTER_S 10

typedef struct {
    char *path;
    int fd;
    long long size, maxbytes;
    int backups;
} sink_t;

typedef struct {
    char *name;
    char **argv, **envp;
    char *file;  /* -S: argv[0] found on PATH at load */
    int stdin_w; /* -S: the write end of the child's stdin, -1 if none */
    int autorestart;
    sink_t out, err;
    pid_t pid; /* 0: not running */
} prog_t;

/* An open read end of a child's pipe. It outlives the child when a grandchild still
 * holds the write end, so streams are kept apart from programs and closed at EOF. */
typedef struct {
    int fd;
    sink_t *sink;
} stream_t;

static prog_t *progs;
static int nprogs, running;
static stream_t *streams;
static int nstreams, capstreams;
static char buf[CHUNK];
static int splicing; /* -s */
static int supervisor; /* -S */
static long long moved; /* bytes spliced since the last poll */

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) {
        perror("floor: realloc");
        exit(1);
    }
    return p;
}

static char **split(char *s, const char *sep, int *n) {
    char **v = NULL;
    int k = 0;
    for (char *save, *t = strtok_r(s, sep, &save); t; t = strtok_r(NULL, sep, &save)) {
        v = xrealloc(v, (k + 2) * sizeof *v);
        v[k++] = t;
    }
    if (v) v[k] = NULL;
    *n = k;
    return v;
}

/* environ with the program's KEY=VALUE pairs replacing or adding to it; built once. */
static char **make_envp(char *extra) {
    int nx = 0, ne = 0;
    char **x = strcmp(extra, "-") ? split(extra, " ", &nx) : NULL;
    while (environ[ne]) ne++;
    char **envp = xrealloc(NULL, (ne + nx + 1) * sizeof *envp);
    int k = 0;
    for (int i = 0; i < ne; i++) {
        int overridden = 0;
        for (int j = 0; j < nx && !overridden; j++) {
            size_t klen = strcspn(x[j], "=") + 1;
            overridden = !strncmp(environ[i], x[j], klen);
        }
        if (!overridden) envp[k++] = environ[i];
    }
    for (int j = 0; j < nx; j++) envp[k++] = x[j];
    envp[k] = NULL;
    free(x);
    return envp;
}

static void sink_open(sink_t *s, char *path, char *maxbytes, char *backups) {
    s->path = path;
    s->maxbytes = atoll(maxbytes);
    s->backups = atoi(backups);
    /* splice(2) refuses a file opened O_APPEND: the floor is the only writer, so it
     * writes at the end it found */
    int append = splicing && s->maxbytes == 0 ? 0 : O_APPEND;
    s->fd = open(path, O_WRONLY | O_CREAT | append | O_CLOEXEC, 0644);
    if (s->fd < 0) {
        fprintf(stderr, "floor: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    s->size = lseek(s->fd, 0, SEEK_END);
}

/* -S: argv0 as Supervisor's get_execv_args finds it: itself if it has a '/', else the
 * first PATH directory holding it (stat), PATH defaulting as Supervisor's does. */
static char *find_on_path(const char *prog) {
    if (strchr(prog, '/')) return strdup(prog);
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/bin:/usr/bin:/usr/local/bin";
    char *dirs = strdup(path), *save = NULL, *found = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *f = xrealloc(NULL, strlen(d) + strlen(prog) + 2);
        struct stat st;
        sprintf(f, "%s/%s", d, prog);
        if (stat(f, &st) == 0) found = f;
        else free(f);
    }
    free(dirs);
    return found ? found : strdup(prog);
}

static void load(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(1);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        if (!len || line[0] == '#') continue;
        int n;
        char **fld = split(strdup(line), "\t", &n);
        if (n < 10) {
            fprintf(stderr, "floor: %s: a line with %d fields, need 10 or more\n", file, n);
            exit(1);
        }
        progs = xrealloc(progs, (nprogs + 1) * sizeof *progs);
        prog_t *p = &progs[nprogs++];
        memset(p, 0, sizeof *p);
        p->name = fld[0];
        p->autorestart = atoi(fld[1]);
        sink_open(&p->out, fld[2], fld[3], fld[4]);
        sink_open(&p->err, fld[5], fld[6], fld[7]);
        p->envp = make_envp(fld[8]);
        p->argv = fld + 9;
        p->file = supervisor ? find_on_path(p->argv[0]) : NULL;
        p->stdin_w = -1;
    }
    free(line);
    fclose(f);
}

/* supervisord's RotatingFileHandler: after a write that brings the file to maxbytes or
 * more, file.(N-1) -> file.N ... file -> file.1, then a new empty file. */
static void sink_rotate(sink_t *s) {
    if (s->backups > 0) {
        size_t n = strlen(s->path) + 16;
        char from[n], to[n];
        for (int i = s->backups - 1; i >= 1; i--) {
            snprintf(from, n, "%s.%d", s->path, i);
            snprintf(to, n, "%s.%d", s->path, i + 1);
            rename(from, to); /* ENOENT: fewer backups so far */
        }
        snprintf(to, n, "%s.1", s->path);
        rename(s->path, to);
        close(s->fd);
        s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    } else if (ftruncate(s->fd, 0) < 0) {
        perror("floor: ftruncate");
    }
    s->size = 0;
}

static void sink_write(sink_t *s, const char *p, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "floor: write %s: %s\n", s->path, strerror(errno));
            return;
        }
        p += w;
        n -= w;
        s->size += w;
    }
    if (s->maxbytes > 0 && s->size >= s->maxbytes) sink_rotate(s);
}

static void add_stream(int fd, sink_t *s) {
    if (nstreams == capstreams) {
        capstreams = capstreams ? 2 * capstreams : 64;
        streams = xrealloc(streams, capstreams * sizeof *streams);
    }
    streams[nstreams++] = (stream_t){fd, s};
}

/* -s, a log that never rotates: splice until the pipe is empty; 0 at EOF. */
static int pump_splice(int i) {
    for (;;) {
        ssize_t n = splice(streams[i].fd, NULL, streams[i].sink->fd, NULL, SPLICE_PIPE,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) {
            moved += n;
            streams[i].sink->size += n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
        if (n < 0) fprintf(stderr, "floor: splice %s: %s\n", streams[i].sink->path, strerror(errno));
        close(streams[i].fd);
        streams[i] = streams[--nstreams];
        return 0;
    }
}

/* One read of at most 64 KiB; returns 0 once the stream is at EOF (and closed). */
static int pump(int i) {
    if (splicing && streams[i].sink->maxbytes == 0) return pump_splice(i);
    ssize_t n = read(streams[i].fd, buf, CHUNK);
    if (n > 0) {
        sink_write(streams[i].sink, buf, n);
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
    close(streams[i].fd);
    streams[i] = streams[--nstreams]; /* callers walk the array from the end */
    return 0;
}

static void spawn(prog_t *p) {
    int o[2], e[2];
    if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
        perror("floor: pipe2");
        exit(1);
    }
    int in[2] = {-1, -1};
    if (supervisor) {
        if (access(p->file, X_OK) != 0) {
            fprintf(stderr, "floor: %s: no permission to run command %s\n", p->name, p->file);
            close(o[0]), close(o[1]), close(e[0]), close(e[1]);
            return;
        }
        if (pipe2(in, O_CLOEXEC) < 0) {
            perror("floor: pipe2");
            exit(1);
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (supervisor) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, o[1], 1);
    posix_spawn_file_actions_adddup2(&fa, e[1], 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE); /* ignored here; a child must not inherit that */
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    int err = supervisor ? posix_spawn(&p->pid, p->file, &fa, &at, p->argv, p->envp)
                         : posix_spawnp(&p->pid, p->argv[0], &fa, &at, p->argv, p->envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(o[1]);
    close(e[1]);
    if (supervisor) close(in[0]);
    if (err) {
        fprintf(stderr, "floor: spawn %s: %s\n", p->name, strerror(err));
        p->pid = 0;
        close(o[0]);
        close(e[0]);
        if (supervisor) close(in[1]);
        return;
    }
    p->stdin_w = in[1];
    running++;
    fcntl(o[0], F_SETFL, O_NONBLOCK);
    fcntl(e[0], F_SETFL, O_NONBLOCK);
    if (splicing) {
        fcntl(o[0], F_SETPIPE_SZ, SPLICE_PIPE); /* at most the system's pipe-max-size */
        fcntl(e[0], F_SETPIPE_SZ, SPLICE_PIPE);
    }
    add_stream(o[0], &p->out);
    add_stream(e[0], &p->err);
}

static prog_t *by_pid(pid_t pid) {
    for (int i = 0; i < nprogs; i++)
        if (progs[i].pid == pid) return &progs[i];
    return NULL;
}

/* Reap every exited child, then restart those with autorestart. The restarts wait for
 * the end of the waitpid loop so that a program exiting at once cannot keep us in it. */
static void reap(int stopping) {
    static prog_t **again;
    static int capagain;
    int nagain = 0;
    pid_t pid;
    int status;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        prog_t *p = by_pid(pid);
        if (!p) continue;
        p->pid = 0;
        running--;
        if (p->stdin_w >= 0) {
            close(p->stdin_w); /* -S: as Supervisor closes it when the child is gone */
            p->stdin_w = -1;
        }
        if (!stopping && p->autorestart) {
            if (nagain == capagain) {
                capagain = capagain ? 2 * capagain : 64;
                again = xrealloc(again, capagain * sizeof *again);
            }
            again[nagain++] = p;
        }
    }
    for (int i = 0; i < nagain; i++) spawn(again[i]);
}

static void signal_all(int sig) {
    for (int i = 0; i < nprogs; i++)
        if (progs[i].pid > 0) kill(progs[i].pid, sig);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    for (; argc > 2 && argv[1][0] == '-'; argv++, argc--) {
        if (!strcmp(argv[1], "-s")) splicing = 1;
        else if (!strcmp(argv[1], "-S")) supervisor = 1;
        else break;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: floor [-s] [-S] PROGRAMS_FILE\n");
        return 2;
    }
    /* two pipes and two log files per program: 1000 programs need 4000 descriptors */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    /* signals arrive as reads on a descriptor in the poll set: no handler, no race */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) {
        perror("floor: signalfd");
        return 1;
    }
    load(argv[1]);
    for (int i = 0; i < nprogs; i++) spawn(&progs[i]);

    struct pollfd *pfd = NULL;
    int cappfd = 0, stopping = 0;
    double kill_at = 0;
    for (;;) {
        if (stopping && running == 0) break;
        if (nstreams + 1 > cappfd) {
            cappfd = 2 * (nstreams + 1);
            pfd = xrealloc(pfd, cappfd * sizeof *pfd);
        }
        pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
        for (int i = 0; i < nstreams; i++) pfd[i + 1] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
        int n = nstreams;
        if (poll(pfd, n + 1, stopping ? 100 : -1) < 0 && errno != EINTR) {
            perror("floor: poll");
            return 1;
        }
        moved = 0;
        for (int i = n - 1; i >= 0; i--)
            if (pfd[i + 1].revents) pump(i);
        if (moved >= BUSY && !stopping) {
            /* -s: the busy pipes' pause (the behaviour measured, as in pump.rs) */
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
        if (pfd[0].revents) {
            struct signalfd_siginfo si;
            int chld = 0;
            while (read(sfd, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGCHLD) {
                    chld = 1;
                } else if (!stopping) {
                    stopping = 1;
                    kill_at = now() + KILL_AFTER_S;
                    signal_all(SIGTERM);
                }
            }
            if (chld) reap(stopping);
        }
        if (stopping && running > 0 && now() > kill_at) signal_all(SIGKILL);
    }
    /* the children are gone: copy what is left in their pipes, without blocking */
    for (int i = nstreams - 1; i >= 0; i--)
        while (pump(i) && i < nstreams) {
            struct pollfd one = {.fd = streams[i].fd, .events = POLLIN};
            if (poll(&one, 1, 0) <= 0) break;
        }
    return 0;
}
