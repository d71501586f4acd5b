/* The page-cache probe behind src/io/writeback.rs (bench/toolkit/README.md, 2026-12-07):
 * writes MIB blocks of 1 MiB to FILE, buffered, and with MODE
 *   0: nothing more (a plain buffered write, as dd does);
 *   1: every WIN MiB, sync_file_range(WRITE) on the new window and (WAIT_BEFORE|WRITE|
 *      WAIT_AFTER) on the one before;
 *   2: as 1, and POSIX_FADV_DONTNEED on the window waited for (what xr does);
 *   3: every WIN MiB, fdatasync, and POSIX_FADV_DONTNEED on the window before.
 * Build and run: gcc -O2 -o /tmp/writeback_probe bench/toolkit/writeback_probe.c
 *   for m in 0 2 3; do rm -f /tmp/p.bin; sync; /usr/bin/time -f "mode $m %e s %S sys" \
 *     /tmp/writeback_probe /tmp/p.bin 7220 64 $m; done; rm -f /tmp/p.bin */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char** argv) {
  long mib = atol(argv[2]); long win = atol(argv[3]) << 20; int mode = atoi(argv[4]);
  int fd = open(argv[1], O_WRONLY|O_CREAT|O_TRUNC, 0644);
  char* buf = malloc(1<<20); memset(buf, 1, 1<<20);
  long off = 0;
  for (long i = 0; i < mib; i++) {
    if (write(fd, buf, 1<<20) != 1<<20) { perror("write"); return 1; }
    off += 1<<20;
    if (mode == 3 && off % win == 0) {
      fdatasync(fd);
      if (off >= 2*win) posix_fadvise(fd, off - 2*win, win, POSIX_FADV_DONTNEED);
    } else if (mode && off % win == 0) {
      sync_file_range(fd, off - win, win, SYNC_FILE_RANGE_WRITE);
      if (off >= 2*win) {
        sync_file_range(fd, off - 2*win, win, SYNC_FILE_RANGE_WAIT_BEFORE|SYNC_FILE_RANGE_WRITE|SYNC_FILE_RANGE_WAIT_AFTER);
        if (mode == 2) posix_fadvise(fd, off - 2*win, win, POSIX_FADV_DONTNEED);
      }
    }
  }
  close(fd); return 0;
}
