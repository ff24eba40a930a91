/*
 * Korean stemmer for Sphinx search: the browser half of booktools/search_ko.py.
 *
 * The index was built with the Python half; a query word must be stemmed exactly the
 * same way or it finds nothing (tests/test_search_ko.py runs both on the same words).
 * KO_ENDINGS (longest first) and PorterStemmer are defined before this file.
 */
var KO_HANGUL = /[\uac00-\ud7a3]/;

function koStripEnding(word) {
  for (const ending of KO_ENDINGS) {
    if (word.length > ending.length && word.endsWith(ending))
      return word.slice(0, word.length - ending.length);
  }
  return word;
}

var Stemmer = function () {
  const porter = new PorterStemmer();
  this.stemWord = function (word) {
    let w = word.toLowerCase();
    // A word ending in Hangul may carry a particle, even after a code name ("x의").
    if (KO_HANGUL.test(w.slice(-1))) w = koStripEnding(w);
    return KO_HANGUL.test(w) ? w : porter.stemWord(w);
  };
};
