#!/bin/sh
# Writes the production profile's secrets (compose.yaml `secrets:`), random,
# into deploy/secrets/ (or DIR). Run once before the first `docker compose up`.
#   deploy/make-secrets.sh [DIR]
# An existing file is kept: PostgreSQL and RabbitMQ take their passwords only
# when their volumes are first created, so a new password would lock the
# services out of their own data. Rotation: deploy/README.md.
#
# Permissions: the directory is 0700 (no other user on the host reads it);
# the files are 0444 because compose (without swarm) bind-mounts each file
# into /run/secrets/ as it is, and the services read them as their own
# non-root users (postgres, redis, rabbitmq: uid 999; Borgerguide: 10001).
set -eu
dir=${1:-$(dirname "$0")/secrets}
umask 077
mkdir -p "$dir"
chmod 0700 "$dir"
# Never into git, whatever the repository's .gitignore says (`*` covers this
# file too). .dockerignore keeps deploy/secrets/ out of the image.
if [ ! -e "$dir/.gitignore" ]; then printf '*\n' > "$dir/.gitignore"; fi

# 32 random bytes as 64 hex characters: no character that needs quoting in a
# URL (the entrypoint builds postgresql:// URLs), rabbitmq.conf or a shell.
random_hex() {
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
}

write() {  # write NAME VALUE: only when NAME does not exist yet
  if [ -e "$dir/$1" ]; then
    echo "kept    $dir/$1"
    return
  fi
  printf '%s' "$2" > "$dir/$1.tmp"
  chmod 0444 "$dir/$1.tmp"
  mv "$dir/$1.tmp" "$dir/$1"
  echo "written $dir/$1"
}

write rasa_token "$(random_hex)"
write borgerguide_secret "$(random_hex)"
write db_password "$(random_hex)"
write redis_password "$(random_hex)"
write rabbitmq_password "$(random_hex)"
# RabbitMQ's own configuration (conf.d) creates the user Rasa and the web
# service log in as (RABBITMQ_USER in compose.yaml), with the same password.
write rabbitmq.conf "default_user = borgerguide
default_pass = $(cat "$dir/rabbitmq_password")
default_vhost = /
"
