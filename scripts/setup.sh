#!/usr/bin/env bash
# Sets up what the lab needs, in order: Debian packages, `just`, the Docker daemon, the base
# image. Every recipe that needs Docker runs it first (`just setup`), so it does only what is
# missing and takes well under 2 s when everything is there.
#
# Usage: scripts/setup.sh [--check | --prebuild] [STEP...]
#   STEP is packages, just, docker or base (default: all four, in that order).
#   --check only reports what is missing and exits 1 if anything is; it changes nothing.
#   --prebuild: while slow steps run (packages, base image), build the workspace's binaries in
#   the background, so a cold first run overlaps the downloads with the compile (`just setup`).
#
# Every precondition (root, apt-get, a Docker that can be reached or started) is checked before
# anything is installed: a step that cannot be done stops the script with one line saying what
# to install and how, and nothing is left half-done. An existing Docker (DOCKER_HOST, a
# context, a running daemon) is used as it is: a second daemon is never started.
set -euo pipefail
cd "$(dirname "$0")/.."

# Docker's default bridge, on a documentation range of its own: off the lab's IPv4 ranges
# (198.51.100.128/25, 198.18.0.0/15) and out of the private ranges Docker would pick.
readonly BRIDGE=198.51.100.1/25
readonly DOCKERD_LOG=/var/log/mip6lab-dockerd.log
readonly DOCKERD_WAIT_S=60
readonly DAEMON_JSON=/etc/docker/daemon.json
readonly BASE_TAG=debian:bookworm-slim
readonly APT_LOG=/var/log/mip6lab-setup-apt.log

check_only=false
prebuild=false
steps=()
for arg in "$@"; do
  case $arg in
    --check) check_only=true ;;
    --prebuild) prebuild=true ;;
    packages | just | docker | base) steps+=("$arg") ;;
    -h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "setup: unknown argument '$arg' (steps: packages just docker base; --check, --prebuild)" >&2; exit 2 ;;
  esac
done
((${#steps[@]})) || steps=(packages just docker base)
wants() { [[ " ${steps[*]} " == *" $1 "* ]]; }

# --- printing: `setup: <step> … <result> (<seconds>)` -------------------------------------
now_us() { local t=${EPOCHREALTIME//[.,]/}; echo "$t"; }
step_started=0
begin() { step_started=$(now_us); printf 'setup: %s … ' "$1"; }
elapsed() {
  local d=$(($(now_us) - step_started))
  printf '%d.%ds' $((d / 1000000)) $((d / 100000 % 10))
}
finish() { printf '%s (%s)\n' "$1" "$(elapsed)"; }
# The one line a user reads when a step cannot be done; exits non-zero.
die() { echo "setup: $*" >&2; exit 1; }
# A step that was started and failed: close its line, then the one-line reason.
fail_step() { printf 'failed (%s)\n' "$(elapsed)"; die "$@"; }

# apt's first error, without the URL of a failed fetch ("Temporary failure resolving ...").
apt_reason() {
  local line
  line=$(grep -m1 '^E: ' "$APT_LOG" || tail -1 "$APT_LOG")
  line=${line#E: }
  [[ $line == "Failed to fetch "*"  "* ]] && line=${line#*  }
  echo "$line"
}
is_root() { [ "$(id -u)" -eq 0 ]; }
has() { command -v "$1" >/dev/null 2>&1; }

# --- what is there (reads only) ---------------------------------------------------------------
# Docker: "up", "denied" (a daemon is there, this user may not use its socket), "down", or
# "noclient" (no docker command to ask with).
docker_state() {
  has docker || { echo noclient; return; }
  local err
  if err=$(timeout 10 docker version --format '{{.Server.Version}}' 2>&1 >/dev/null); then
    echo up
  elif [[ $err == *"ermission denied"* ]]; then
    echo denied
  else
    echo down
  fi
}
docker_configured_elsewhere() { [ -n "${DOCKER_HOST:-}${DOCKER_CONTEXT:-}" ]; }
# A dockerd that is still starting: wait for it rather than start a second one.
dockerd_running() {
  { [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; } ||
    { has pgrep && pgrep -x dockerd >/dev/null; }
}

docker=$(docker_state)

# Packages: the command each package brings. dockerd is needed only when this script has to
# start a daemon; a Docker reached some other way needs only the client.
missing_pkgs=()
missing_cmds=()
need_cmd() {
  has "$1" && return
  missing_cmds+=("$1")
  [[ " ${missing_pkgs[*]} " == *" $2 "* ]] || missing_pkgs+=("$2")
}
if wants packages; then
  need_cmd docker docker.io
  if [ "$docker" != up ] && ! docker_configured_elsewhere; then need_cmd dockerd docker.io; fi
  need_cmd ip iproute2        # the lab's network namespaces and links (ip netns, ip link)
  need_cmd debootstrap debootstrap # the base image where no registry answers
  need_cmd tshark tshark      # the decoder's cross-check (just test)
  need_cmd chromium chromium  # the HTML report's rendering test (just test)
fi
just_missing=false
if wants just && ! has just; then just_missing=true; fi
base_missing=unknown
if [ "$docker" = up ]; then
  if docker image inspect "$BASE_TAG" >/dev/null 2>&1; then base_missing=false; else base_missing=true; fi
fi

# --- --check: report and stop ----------------------------------------------------------------
if $check_only; then
  all_there=true
  report() { printf 'setup: %s … %s\n' "$1" "$2"; }
  if wants packages; then
    if ((${#missing_pkgs[@]})); then
      all_there=false
      report packages "missing: ${missing_cmds[*]} (apt-get install ${missing_pkgs[*]})"
    else
      report packages ok
    fi
  fi
  if wants just; then
    if $just_missing; then all_there=false; report just "missing (pip install rust-just, or cargo install just)"
    else report just "ok ($(just --version))"; fi
  fi
  if wants docker; then
    case $docker in
      up) report "docker daemon" "ok (server $(docker version --format '{{.Server.Version}}' 2>/dev/null))" ;;
      denied) all_there=false; report "docker daemon" "no access: permission denied on its socket" ;;
      down | noclient) all_there=false; report "docker daemon" "not running" ;;
    esac
  fi
  if wants base; then
    case $base_missing in
      false) report "base image" "ok ($BASE_TAG)" ;;
      true) all_there=false; report "base image" "missing: $BASE_TAG (containers/base/ensure-base.sh)" ;;
      unknown) all_there=false; report "base image" "unknown until Docker answers" ;;
    esac
  fi
  $all_there
  exit
fi

# --- preconditions: all of them, before anything changes -------------------------------------
if ((${#missing_pkgs[@]})); then
  is_root || die "cannot install ${missing_pkgs[*]}: not root. Install with: sudo apt-get install ${missing_pkgs[*]}, or run as root"
  has apt-get || die "cannot install ${missing_pkgs[*]}: no apt-get here. Install the packages that bring ${missing_cmds[*]} with this system's package manager"
fi
if $just_missing; then
  has python3 && python3 -m pip --version >/dev/null 2>&1 || has cargo ||
    die "cannot install just: neither pip nor cargo found. Install it with: pip install rust-just, or cargo install just"
fi
if wants docker; then
  case $docker in
    denied)
      die "cannot use the Docker daemon: permission denied on its socket. Add yourself to group docker (sudo usermod -aG docker \$USER, then log in again), or run as root" ;;
    down | noclient)
      # Without a client the daemon is asked once the packages step has installed one.
      if [ "$docker" = down ] && docker_configured_elsewhere; then
        die "the Docker daemon at ${DOCKER_HOST:-context $DOCKER_CONTEXT} does not answer: start it, or unset DOCKER_HOST/DOCKER_CONTEXT to use a local one"
      fi
      docker_configured_elsewhere || is_root || die "cannot start the Docker daemon: not root. Start it with: sudo dockerd --bip $BRIDGE (or sudo systemctl start docker), or run as root" ;;
  esac
fi

# --- the steps ---------------------------------------------------------------------------------
# The compile needs nothing from the set-up: on a cold machine it runs beside the downloads.
# Its errors show in the build that follows (`just build`); here it only warms target/.
prebuild_pid=
if $prebuild && has cargo && { ((${#missing_pkgs[@]})) || [ "$base_missing" != false ]; }; then
  prebuild_log=$(mktemp /tmp/mip6lab-prebuild.XXXXXX)
  prebuild_started=$(now_us)
  cargo build --workspace --bins >"$prebuild_log" 2>&1 &
  prebuild_pid=$!
  # Stopping the set-up (a failed step, Ctrl-C) stops the compile too.
  trap 'kill "$prebuild_pid" 2>/dev/null || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
fi

if wants packages; then
  begin packages
  if ((${#missing_pkgs[@]})); then
    : >"$APT_LOG"
    export DEBIAN_FRONTEND=noninteractive
    # Download everything first: without a network nothing gets installed at all.
    if ! { apt-get update -qq && apt-get install -y -qq --download-only "${missing_pkgs[@]}"; } >>"$APT_LOG" 2>&1; then
      fail_step "cannot download ${missing_pkgs[*]}: no network for apt, or no such package here ($(apt_reason)). Fix the network or /etc/apt/sources.list, then run again (log: $APT_LOG)"
    fi
    # A Docker installed here gets the lab's bridge range in its configuration, so a daemon
    # that systemd starts on installation uses it too.
    if [[ " ${missing_pkgs[*]} " == *" docker.io "* ]] && [ ! -e "$DAEMON_JSON" ]; then
      mkdir -p "${DAEMON_JSON%/*}"
      printf '{ "bip": "%s" }\n' "$BRIDGE" >"$DAEMON_JSON"
    fi
    apt-get install -y -qq "${missing_pkgs[@]}" >>"$APT_LOG" 2>&1 ||
      fail_step "apt-get install ${missing_pkgs[*]} failed: $(apt_reason) (log: $APT_LOG)"
    hash -r
    for cmd in "${missing_cmds[@]}"; do
      has "$cmd" || fail_step "installed ${missing_pkgs[*]}, but $cmd is still not on PATH ($PATH): add /usr/sbin and /usr/bin to PATH"
    done
    finish "ok: installed ${missing_pkgs[*]}"
  else
    finish "already there"
  fi
fi

if wants just; then
  begin just
  if $just_missing; then
    # `just` is not packaged for Debian 12; PyPI ships it prebuilt as rust-just, and cargo
    # builds it anywhere the Rust toolchain is.
    log=$(mktemp /tmp/mip6lab-setup-just.XXXXXX)
    if has python3 && python3 -m pip --version >/dev/null 2>&1; then
      user=(); is_root || user=(--user)
      # Debian's own Python refuses installs outside a venv unless told (PEP 668).
      python3 -m pip install -q "${user[@]}" --break-system-packages rust-just >"$log" 2>&1 ||
        python3 -m pip install -q "${user[@]}" rust-just >>"$log" 2>&1 ||
        fail_step "pip install rust-just failed: $(tail -1 "$log") (log: $log)"
      has pyenv && pyenv rehash
      where=$(python3 -c 'import sysconfig, os; print(sysconfig.get_path("scripts", os.name + "_user") if os.getuid() else sysconfig.get_path("scripts"))')
    else
      cargo install -q --locked just >"$log" 2>&1 || fail_step "cargo install just failed: $(tail -1 "$log") (log: $log)"
      where=${CARGO_HOME:-$HOME/.cargo}/bin
    fi
    hash -r
    has just || fail_step "just was installed in $where, which is not on PATH: add that folder to PATH"
    rm -f "$log"
    finish "ok: $(just --version)"
  else
    finish "already there"
  fi
fi

if wants docker; then
  begin "docker daemon"
  docker=$(docker_state)
  if [ "$docker" = up ]; then
    finish "already there"
  elif docker_configured_elsewhere; then
    fail_step "the Docker daemon at ${DOCKER_HOST:-context $DOCKER_CONTEXT} does not answer: start it, or unset DOCKER_HOST/DOCKER_CONTEXT to use a local one"
  else
    log_hint="its log: $DOCKERD_LOG"
    if dockerd_running; then
      how="waited for the dockerd already running"
      log_hint="a dockerd is running but does not answer; stop it or see its log"
    elif [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && systemctl cat docker.service >/dev/null 2>&1; then
      log_hint="see: journalctl -u docker"
      systemctl start docker >/dev/null 2>&1 || fail_step "systemctl start docker failed; $log_hint"
      how="started by systemctl"
    else
      # A bip in daemon.json and --bip together make dockerd refuse to start.
      bip=(--bip "$BRIDGE")
      grep -qs '"bip"' "$DAEMON_JSON" && bip=()
      setsid nohup dockerd "${bip[@]}" </dev/null >"$DOCKERD_LOG" 2>&1 &
      how="started: dockerd ${bip[*]:-(bridge from $DAEMON_JSON)}, log $DOCKERD_LOG"
    fi
    deadline=$((SECONDS + DOCKERD_WAIT_S))
    until [ "$(docker_state)" = up ] || ((SECONDS >= deadline)); do sleep 1; done
    if [ "$(docker_state)" != up ]; then
      printf 'failed (%s)\n' "$(elapsed)"
      [[ $how == started:* ]] && tail -20 "$DOCKERD_LOG" 2>/dev/null | sed 's/^/  dockerd: /' >&2
      die "the Docker daemon did not answer within ${DOCKERD_WAIT_S} s; $log_hint"
    fi
    finish "ok, $how"
  fi
fi

if wants base; then
  begin "base image"
  if docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
    finish "already there"
  else
    log=$(mktemp /tmp/mip6lab-setup-base.XXXXXX)
    bash containers/base/ensure-base.sh >"$log" 2>&1 || fail_step "$(tail -1 "$log") (log: $log)"
    finish "ok: $(tail -1 "$log")"
    rm -f "$log"
  fi
fi

if [ -n "$prebuild_pid" ]; then
  printf 'setup: build, meanwhile … '
  step_started=$prebuild_started
  if wait "$prebuild_pid"; then finish ok; else finish "failed: cargo build --workspace --bins shows why"; fi
  trap - EXIT INT TERM
  rm -f "$prebuild_log"
fi
