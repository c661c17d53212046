wrk -t2 -c16 -d5s -s ../shared/anchors/pytorch-serve/load.lua http://127.0.0.1:18441/v2/models/rnn_masked/infer -- 1 ../shared/data/ag_news/test.csv 2
