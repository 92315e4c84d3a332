#!/bin/sh
echo "release $(cat /VERSION 2>/dev/null || echo dev)"
