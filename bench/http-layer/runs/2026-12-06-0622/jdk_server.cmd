java -XX:+UseParallelGC -Xmn128m -Xmx4g -Dsun.net.httpserver.nodelay=true -cp bench/http-layer/target/classes:bench/http-layer/target/lib/* httplayer.JdkServer 18451 4
