// Hand-written cases for the documented segmentation rules.
#include "tests/catch.h"

#include "data/sentences.h"

using roberta::data::split_sentences;
using V = std::vector<std::string>;

TEST_CASE("sentence ends: . ! ? with closing quotes, runs of punctuation", "[data][sentences]") {
  CHECK(split_sentences("It rained. We stayed in! Did you? Yes.") == V{"It rained.", "We stayed in!", "Did you?", "Yes."});
  CHECK(split_sentences("He said \"Stop.\" Then he left.") == V{"He said \"Stop.\"", "Then he left."});
  CHECK(split_sentences("Really?! I doubt it... Well (maybe.) Fine.") ==
        V{"Really?!", "I doubt it...", "Well (maybe.)", "Fine."});
  CHECK(split_sentences("end. \"Quoted start\" here.") == V{"end.", "\"Quoted start\" here."});
}

TEST_CASE("no break inside numbers, after abbreviations or initials, before lowercase", "[data][sentences]") {
  CHECK(split_sentences("Pi is 3.14159 or so. Next.") == V{"Pi is 3.14159 or so.", "Next."});
  CHECK(split_sentences("Mr. Smith met Dr. Jones on Jan. 5 at St. Paul's.") ==
        V{"Mr. Smith met Dr. Jones on Jan. 5 at St. Paul's."});
  CHECK(split_sentences("Use tools, e.g. Hammers. Then stop.") == V{"Use tools, e.g. Hammers.", "Then stop."});
  CHECK(split_sentences("J. R. R. Tolkien wrote it. It sold.") == V{"J. R. R. Tolkien wrote it.", "It sold."});
  CHECK(split_sentences("the value is approx. ten. lower case follows.") ==
        V{"the value is approx. ten. lower case follows."});
  CHECK(split_sentences("In 1990. 5 people came.") == V{"In 1990.", "5 people came."});
}

TEST_CASE("wrapped lines join, blank lines are paragraph breaks", "[data][sentences]") {
  CHECK(split_sentences("A sentence that\nwraps over   lines\nends here") == V{"A sentence that wraps over lines ends here"});
  CHECK(split_sentences("Heading without period\n\nBody text.") == V{"Heading without period", "Body text."});
  CHECK(split_sentences("  \n ") == V{});
  CHECK(split_sentences("Ünïcode start. Über alles.") == V{"Ünïcode start.", "Über alles."});
}
