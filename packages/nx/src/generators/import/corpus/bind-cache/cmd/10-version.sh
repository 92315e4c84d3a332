#!/bin/sh
[ "$1" = --version ] && { echo "greeter 0.3.1"; exit 0; }
