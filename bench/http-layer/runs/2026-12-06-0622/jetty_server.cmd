java -XX:+UseParallelGC -Xmn128m -Xmx4g -cp bench/http-layer/target/classes:bench/http-layer/target/lib/* httplayer.JettyServer 18451
