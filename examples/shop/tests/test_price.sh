#!/bin/sh
# The shop's price test: a discount must never make a price negative.
. ./src/price.sh
got=$(price 5 10)
if [ "$got" != 0 ]; then
  echo "FAIL: price 5 10 = $got, expected 0"
  exit 1
fi
echo "ok: price 5 10 = 0"
