/*
 * hostds-spawn: forks and execs daemons for the hostds agent (docs/spawner.md).
 *
 * Why a separate process: fork() copies the page tables of the process that calls it, and the
 * agent is a 70-80 MiB node process, so each child_process.spawn costs its main thread ~2 ms.
 * This helper is ~1 MiB, so its fork is ~20x cheaper, and it runs on another core.
 *
 * Protocol (the agent writes requests on fd 0, reads replies on fd 1; fd 2 is its journal):
 *   request: u32 little-endian payload length, then NUL-terminated fields:
 *            id, log path, cwd ("" = inherit), uid ("" = keep), gid ("" = keep),
 *            argc, argv[argc], envc, env[envc]
 *   replies: "S <id> <pid> <starttime>\n"        exec succeeded; starttime = /proc/PID/stat field 22
 *            "E <id> <stage> <errno>\n"           nothing runs; stage says which step failed
 *            "X <pid> <exitcode|-> <signal|->\n"  a child started here has exited (reaped)
 * On EOF of the request pipe the helper exits at once and leaves its children alone: daemons
 * must outlive the agent, and are reparented like any orphan.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Far above any request the kernel could exec (argv + env are limited to a quarter of the stack
 * rlimit), yet small enough that a corrupt length cannot make us allocate the machine away. */
#define MAX_REQUEST (64u << 20)

static int req_fd = -1;   /* requests from the agent */
static int rep_fd = -1;   /* replies to the agent */
static int sig_fd = -1;   /* SIGCHLD, as a readable fd, so one poll() waits for both */

/* The steps a start can fail at; their names are what the agent sees in E replies. */
enum stage { ST_LOG, ST_FORK, ST_PIPE, ST_SETSID, ST_SIGNALS, ST_STDIO, ST_CHDIR, ST_SETGROUPS, ST_SETGID, ST_SETUID, ST_EXEC };
static const char *const stage_names[] = {
	"log", "fork", "pipe", "setsid", "signals", "stdio", "chdir", "setgroups", "setgid", "setuid", "exec",
};

static void die(const char *what)
{
	fprintf(stderr, "hostds-spawn: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A failed or short reply write means the agent is gone: nothing left to do but leave. */
static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line)
		abort();
	for (const char *p = line; n > 0;) {
		ssize_t w = write(rep_fd, p, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			exit(0);
		p += w;
		n -= (int)w;
	}
}

/* Field 22 of /proc/PID/stat. comm (field 2) may hold spaces and ')', so count from the last ')'. */
static int read_starttime(pid_t pid, char *out, size_t size)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	p += 2; /* ") " then field 3 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return -1;
		p++;
	}
	size_t len = strcspn(p, " ");
	if (len == 0 || len >= size)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

struct request {
	const char *id, *log, *cwd;
	int has_uid, has_gid;
	uid_t uid;
	gid_t gid;
	char **argv, **envp; /* NULL-terminated, pointing into the payload */
};

/* What the child tells the parent through the exec pipe when a step fails. */
struct failure {
	int stage;
	int err;
};

static _Noreturn void child_fail(int fd, enum stage stage)
{
	struct failure f = { stage, errno };
	/* The pipe is empty and 8 bytes are far below PIPE_BUF: one write, never partial. */
	ssize_t ignored = write(fd, &f, sizeof f);
	(void)ignored;
	_exit(127);
}

static const char *env_path(char **envp)
{
	for (char **e = envp; *e != NULL; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			return *e + 5;
	return "/usr/bin:/bin"; /* libuv's default when the environment has no PATH */
}

/*
 * execve with libuv's PATH search: only when the name has no slash; the PATH is the one of the
 * daemon's environment; an empty entry is the current directory; ENOENT and ENOTDIR try the next
 * entry, EACCES is remembered and reported if nothing else works; any other error stops the
 * search. ENOEXEC is an error: unlike execvp, no retry through /bin/sh.
 */
static void exec_command(char **argv, char **envp)
{
	const char *file = argv[0];
	if (strchr(file, '/') != NULL) {
		execve(file, argv, envp);
		return;
	}
	size_t file_len = strlen(file);
	int seen_eacces = 0;
	const char *p = env_path(envp);
	for (;;) {
		const char *end = strchrnul(p, ':');
		size_t dir_len = (size_t)(end - p);
		char path[PATH_MAX];
		if (dir_len + 1 + file_len + 1 > sizeof path) {
			errno = ENAMETOOLONG;
		} else {
			if (dir_len == 0) {
				memcpy(path, file, file_len + 1);
			} else {
				memcpy(path, p, dir_len);
				path[dir_len] = '/';
				memcpy(path + dir_len + 1, file, file_len + 1);
			}
			execve(path, argv, envp);
		}
		if (errno == EACCES)
			seen_eacces = 1;
		else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG)
			return;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	errno = seen_eacces ? EACCES : ENOENT;
}

/* Runs in the forked child; returns only by exec. The order of the steps is libuv's. */
static _Noreturn void child(const struct request *r, int log_fd, int err_fd)
{
	/* A name of its own until exec replaces it: if the helper dies now, the agent waits for
	 * processes with this name to exec or fail before it looks for the daemon (docs/spawner.md). */
	prctl(PR_SET_NAME, "hostds-prexec", 0, 0, 0);
	if (setsid() < 0)
		child_fail(err_fd, ST_SETSID);

	/* The helper blocks SIGCHLD (for its signalfd) and ignores SIGPIPE; a daemon must start with
	 * neither, so every disposition goes back to the default and nothing stays blocked. */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL); /* EINVAL for the few glibc reserves: harmless */
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_fail(err_fd, ST_SIGNALS);

	/* fd 0 is already /dev/null (set up in main); dup2 clears the log fd's CLOEXEC. */
	if (dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0)
		child_fail(err_fd, ST_STDIO);

	if (r->cwd[0] != '\0' && chdir(r->cwd) < 0)
		child_fail(err_fd, ST_CHDIR);

	if (r->has_uid || r->has_gid) {
		/* Drop root's supplementary groups, as libuv does; like libuv, a failure here is not
		 * fatal (an unprivileged agent cannot, and then setgid/setuid fail anyway). */
		if (setgroups(0, NULL) < 0 && errno != EPERM)
			child_fail(err_fd, ST_SETGROUPS);
		if (r->has_gid && setgid(r->gid) < 0)
			child_fail(err_fd, ST_SETGID);
		if (r->has_uid && setuid(r->uid) < 0)
			child_fail(err_fd, ST_SETUID);
	}

	exec_command(r->argv, r->envp);
	child_fail(err_fd, ST_EXEC);
}

/* Reaps every exited child and reports it. Called only between starts (see start()). */
static void reap(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		if (WIFEXITED(status))
			reply("X %d %d -\n", (int)pid, WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			reply("X %d - %d\n", (int)pid, WTERMSIG(status));
	}
}

static void start(const struct request *r)
{
	int log_fd = open(r->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (log_fd < 0) {
		reply("E %s %s %d\n", r->id, stage_names[ST_LOG], errno);
		return;
	}
	int err_pipe[2];
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		reply("E %s %s %d\n", r->id, stage_names[ST_PIPE], errno);
		close(log_fd);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(err_pipe[0]);
		child(r, log_fd, err_pipe[1]);
	}
	int fork_errno = errno;
	close(err_pipe[1]);
	close(log_fd);
	if (pid < 0) {
		close(err_pipe[0]);
		reply("E %s %s %d\n", r->id, stage_names[ST_FORK], fork_errno);
		return;
	}

	/* EOF means the exec succeeded (the pipe was CLOEXEC); a failure record means it did not. */
	struct failure f;
	ssize_t n;
	do
		n = read(err_pipe[0], &f, sizeof f);
	while (n < 0 && errno == EINTR);
	close(err_pipe[0]);
	if (n == (ssize_t)sizeof f) {
		/* Reap this one now, so it is never reported as an X of a daemon that did not start. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		int stage = f.stage >= 0 && f.stage <= ST_EXEC ? f.stage : ST_EXEC;
		reply("E %s %s %d\n", r->id, stage_names[stage], f.err);
		return;
	}

	/* Nothing is reaped between the fork and here, so even a daemon that has already exited is
	 * a zombie whose pid cannot have been reused: its start time is always the right one. */
	char starttime[32];
	if (read_starttime(pid, starttime, sizeof starttime) < 0) {
		/* Cannot happen while it is unreaped; say so rather than report a wrong identity. */
		fprintf(stderr, "hostds-spawn: /proc/%d/stat unreadable for an unreaped child\n", (int)pid);
		strcpy(starttime, "0");
	}
	reply("S %s %d %s\n", r->id, (int)pid, starttime);
}

/* Splits a payload into a request; the fields point into `buf`, which must outlive it. */
static int parse_request(char *buf, size_t len, struct request *r, char ***vec_store)
{
	char *p = buf, *end = buf + len;
	if (len == 0 || end[-1] != '\0')
		return -1;
#define NEXT(dst)                      \
	do {                               \
		if (p >= end)                  \
			return -1;                 \
		(dst) = p;                     \
		p += strlen(p) + 1;            \
	} while (0)
	const char *uid, *gid, *count;
	NEXT(r->id);
	NEXT(r->log);
	NEXT(r->cwd);
	NEXT(uid);
	NEXT(gid);
	r->has_uid = uid[0] != '\0';
	r->has_gid = gid[0] != '\0';
	r->uid = (uid_t)strtoul(uid, NULL, 10);
	r->gid = (gid_t)strtoul(gid, NULL, 10);

	/* One vector for both argv and env: at most one entry per remaining byte, plus two NULLs. */
	char **vec = calloc((size_t)(end - p) + 2, sizeof *vec);
	if (vec == NULL)
		return -1;
	*vec_store = vec;
	size_t at = 0;
	for (int part = 0; part < 2; part++) {
		NEXT(count);
		unsigned long n = strtoul(count, NULL, 10);
		if (n > (unsigned long)(end - p))
			return -1;
		if (part == 0)
			r->argv = vec + at;
		else
			r->envp = vec + at;
		for (unsigned long i = 0; i < n; i++)
			NEXT(vec[at++]);
		vec[at++] = NULL;
	}
#undef NEXT
	if (r->argv[0] == NULL || p != end)
		return -1;
	return 0;
}

/* Handles every complete request in the buffer; returns how many bytes were consumed. */
static size_t handle_requests(char *buf, size_t len)
{
	size_t used = 0;
	while (len - used >= 4) {
		const unsigned char *h = (const unsigned char *)buf + used;
		uint32_t size = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
		if (size > MAX_REQUEST) {
			fprintf(stderr, "hostds-spawn: request of %u bytes: protocol error\n", size);
			exit(1);
		}
		if (len - used - 4 < size)
			break;
		struct request r = { 0 };
		char **vec = NULL;
		if (parse_request(buf + used + 4, size, &r, &vec) < 0) {
			/* The agent validates what it sends: a bad frame means we disagree on the protocol. */
			fprintf(stderr, "hostds-spawn: malformed request: protocol error\n");
			exit(1);
		}
		start(&r);
		free(vec);
		used += 4 + size;
	}
	return used;
}

/* The protocol fds go high and CLOEXEC, so no daemon inherits them; 0 and 1 become /dev/null. */
static void setup_fds(void)
{
	req_fd = fcntl(0, F_DUPFD_CLOEXEC, 10);
	rep_fd = fcntl(1, F_DUPFD_CLOEXEC, 10);
	if (req_fd < 0 || rep_fd < 0)
		die("cannot move the protocol pipes");
	/* node may hand us non-blocking pipes; this loop wants plain blocking reads and writes. */
	for (int i = 0; i < 2; i++) {
		int fd = i == 0 ? req_fd : rep_fd;
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	int null_fd = open("/dev/null", O_RDWR);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0)
		die("cannot open /dev/null");
	if (null_fd > 2)
		close(null_fd);
	/* node passes on any fd its process opened without CLOEXEC (vitest's IPC channel, say):
	 * whatever we were given besides 0-2 must not reach a daemon. */
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		die("cannot list /proc/self/fd");
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	closedir(d);
}

int main(void)
{
	/* Second guard besides EOF: the agent's death kills us even if someone holds our stdin. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		die("prctl(PR_SET_PDEATHSIG)");
	/* If the agent died before the prctl, the read below sees EOF: no getppid() check needed
	 * (which would be wrong anyway where the agent itself is pid 1, in a container). */
	setup_fds();
	/* A vanished agent shows up as EPIPE from write(), not as a signal that kills us mid-start. */
	signal(SIGPIPE, SIG_IGN);
	/* Our life is the agent's (EOF, PDEATHSIG), never a signal's: Ctrl-C in a terminal reaches the
	 * whole foreground group, systemd's stop the whole cgroup, and the agent must be able to go on
	 * starting daemons while it handles them. Children get every disposition back (child()). */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		die("sigprocmask");
	sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0)
		die("signalfd");

	size_t cap = 64 << 10, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		die("malloc");
	for (;;) {
		struct pollfd fds[2] = { { req_fd, POLLIN, 0 }, { sig_fd, POLLIN, 0 } };
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sig_fd, &si, sizeof si) > 0)
				;
		}
		/* Exits first: any X must precede the S of a new child that reuses the same pid. */
		reap();
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (len == cap) {
				cap *= 2;
				if (cap > MAX_REQUEST + 8)
					cap = MAX_REQUEST + 8;
				char *grown = realloc(buf, cap);
				if (grown == NULL)
					die("realloc");
				buf = grown;
			}
			ssize_t n = read(req_fd, buf + len, cap - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return 0; /* the agent closed the pipe or died: leave the daemons running */
			len += (size_t)n;
			size_t used = handle_requests(buf, len);
			memmove(buf, buf + used, len - used);
			len -= used;
		}
	}
}
