#!/usr/bin/env bash
# Installs (from Debian's packages) and starts what the project needs when it is not
# already there: PostgreSQL 15 + PostGIS 3 and Redis for both commands; ffmpeg and
# GStreamer's RTSP server for cameras; GDAL's ogr2ogr for planners' map files (Shapefile,
# GeoPackage, KML, MapInfo); chromium and CJK fonts for browser tests.
# Services on another host (DATABASE_URL / REDIS_URL not local) are left alone.
#   usage: ensure-system.sh start|test
set -euo pipefail
purpose=${1:-start}
DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/wangge}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
is_local() { [[ "$1" =~ @(127\.0\.0\.1|localhost|\[::1\])[:/] ]] || [[ "$1" =~ ^redis://(127\.0\.0\.1|localhost)[:/] ]]; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing from Debian: ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_postgres() {
  is_local "$DATABASE_URL" || return 0
  apt_install postgresql-15 postgresql-15-postgis-3 postgresql-client-15
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect 15 main start || as_root pg_ctlcluster 15 main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
  # A fresh Debian cluster asks for a password over TCP; the default URL uses postgres/postgres.
  if ! psql "${DATABASE_URL%/*}/postgres" -Atqc 'select 1' >/dev/null 2>&1; then
    say "setting the local postgres user's password to match DATABASE_URL"
    local pass
    pass=$(node -e 'console.log(decodeURIComponent(new URL(process.argv[1]).password || "postgres"))' "$DATABASE_URL")
    as_root runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD '${pass//\'/\'\'}'"
  fi
}

ensure_redis() {
  is_local "$REDIS_URL" || return 0
  apt_install redis-server redis-tools
  if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
    say "starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/wangge.log
    for _ in $(seq 1 20); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.25; done
  fi
}

ensure_media() {
  # ffmpeg relays video; GStreamer's RTSP server gives the simulated cameras real streams.
  # gstreamer1.0-x holds the pango plugin (clockoverlay, textoverlay) that burns the time
  # and name into the simulated video; only a Recommends, so --no-install-recommends skips it.
  apt_install ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
    gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-x gir1.2-gst-rtsp-server-1.0 python3-gi python3-gi-cairo
}

ensure_gis() {
  # ogr2ogr / ogrinfo read and write planners' map files and reproject them (PROJ).
  apt_install gdal-bin
}

ensure_browser() {
  apt_install chromium fonts-noto-cjk
}

ensure_postgres
ensure_redis
ensure_media
ensure_gis
[ "$purpose" = test ] && ensure_browser
exit 0
