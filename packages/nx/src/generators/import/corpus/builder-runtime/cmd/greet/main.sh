#!/bin/sh
echo "$GREETING from greet"
