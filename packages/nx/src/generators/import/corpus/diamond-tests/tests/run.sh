test -x /opt/tool/bin/tool && echo ok
