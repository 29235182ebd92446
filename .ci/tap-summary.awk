# Shortens tap's TAP stream for a CI log: one line per test file, every failure in full (where it
# sits, then its YAML diagnostics), and what tap prints outside the files (coverage table, totals).
# Usage: awk -f .ci/tap-summary.awk full.tap
function indent_of (line) { match(line, /^ */); return RLENGTH }

# Inside a failure's diagnostics: everything up to its closing "...", blank lines included.
yaml != "" {
  print "    " substr($0, yaml + 1)
  if (substr($0, yaml + 1) == "...") yaml = ""
  next
}

# A failure's diagnostics, when it has some, start on the next line.
expect != "" {
  start = expect
  expect = ""
  if (indent_of($0) == start && substr($0, start + 1) == "---") {
    print "    ---"
    yaml = start
    next
  }
}

# The name of each open subtest, by depth, to show where a failure sits.
/^ *# Subtest: / {
  depth = indent_of($0) / 4
  name[depth] = substr($0, indent_of($0) + 12)
  if (depth == 0) in_file = 1
  next
}

/^ *not ok [0-9]+/ {
  level = indent_of($0)
  path = ""
  for (d = 0; d < level / 4; d++) path = path name[d] " > "
  line = substr($0, level + 1)
  sub(/^not ok [0-9]+ - /, "", line)
  print "not ok - " path line
  if (level == 0) in_file = 0
  expect = level + 2
  next
}

# A file's own result closes its block.
/^ok [0-9]+ - / { print; in_file = 0; next }

in_file { next }
/^TAP version / || /^1\.\.[0-9]+/ || /^# time=/ || /^ *$/ { next }
{ print }
