import json
from conftest import Citizen, fresh_kommune


def test_probe(web):
    k = fresh_kommune()
    for text in ["hvornår åbner svømmehallen i weekenden", "kan man leje svømmehallen", "pris for svømmehallen",
                 "xqzt plimf vrumt", "hej", "jeg skal flytte til Odense", "jeg vil tale med en medarbejder",
                 "kan jeg låne en kano af kommunen til sommer", "hvad bliver vejret i morgen"]:
        answer = Citizen(k).say_to(web.web_url, text)
        print("\n###", text)
        for m in answer["messages"]:
            print("   ", json.dumps({k: v for k, v in m.items() if k != "recipient_id"}, ensure_ascii=False)[:300])
