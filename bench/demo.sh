# Sourced by the bench scripts: start_demo [extra kaede demo flags…] starts
# the demo binary ($work/kaede) on $PORT with its data in $work/data, logs
# to $work/kaede.log, sets demo_pid and returns once /healthz answers.
start_demo() {
  "$work/kaede" demo --addr "127.0.0.1:$PORT" --data "$work/data" "$@" >>"$work/kaede.log" 2>&1 &
  demo_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "the demo did not start:"; cat "$work/kaede.log"; exit 1
}
