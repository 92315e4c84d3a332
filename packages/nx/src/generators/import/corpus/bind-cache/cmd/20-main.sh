echo "hello from greeter"
