/**
 * The bibliography of the reports: every paper a study cites ("Author year" in a theory row, a
 * caption or the discussion), with its full citation and DOI or arXiv id. report.md and
 * report.html list the ones their text cites, in order of first citation.
 */

export interface Reference {
  /** How the text cites it: author surname(s) and year, matched within one clause. */
  cite: RegExp;
  /** The full citation. */
  text: string;
}

/** A citation pattern: the first author's surname, then the year within the same clause ("et al." allowed). */
function by(surname: string, year: number): RegExp {
  return new RegExp(`\\b${surname}\\b(?:[^.;:]|et al\\.){0,70}?\\(?${year}\\b`, 'g');
}

export const REFERENCES: readonly Reference[] = [
  { cite: by('Doya', 1992), text: 'K. Doya (1992). Bifurcations in the learning of recurrent neural networks. Proceedings of the 1992 IEEE International Symposium on Circuits and Systems, vol. 6, 2777–2780. doi:10.1109/ISCAS.1992.230622' },
  { cite: by('Haberman', 1979), text: 'R. Haberman (1979). Slowly varying jump and transition phenomena associated with algebraic bifurcation problems. SIAM Journal on Applied Mathematics 37(1), 69–106. doi:10.1137/0137006' },
  { cite: by('Hochreiter', 1991), text: 'S. Hochreiter (1991). Untersuchungen zu dynamischen neuronalen Netzen. Diploma thesis, Institut für Informatik, Technische Universität München.' },
  { cite: by('Bengio', 1994), text: 'Y. Bengio, P. Simard and P. Frasconi (1994). Learning long-term dependencies with gradient descent is difficult. IEEE Transactions on Neural Networks 5(2), 157–166. doi:10.1109/72.279181' },
  { cite: by('Hochreiter', 1997), text: 'S. Hochreiter and J. Schmidhuber (1997). Long short-term memory. Neural Computation 9(8), 1735–1780. doi:10.1162/neco.1997.9.8.1735' },
  { cite: by('Gers', 2000), text: 'F. A. Gers, J. Schmidhuber and F. Cummins (2000). Learning to forget: continual prediction with LSTM. Neural Computation 12(10), 2451–2471. doi:10.1162/089976600300015015' },
  { cite: by('Higham', 2002), text: 'N. J. Higham (2002). Accuracy and Stability of Numerical Algorithms, 2nd edition. SIAM, Philadelphia. doi:10.1137/1.9780898718027' },
  { cite: by('Pascanu', 2013), text: 'R. Pascanu, T. Mikolov and Y. Bengio (2013). On the difficulty of training recurrent neural networks. Proceedings of the 30th International Conference on Machine Learning, PMLR 28(3), 1310–1318. arXiv:1211.5063' },
  { cite: by('Le', 2015), text: 'Q. V. Le, N. Jaitly and G. E. Hinton (2015). A simple way to initialize recurrent networks of rectified linear units. arXiv:1504.00941' },
  { cite: by('Jozefowicz', 2015), text: 'R. Jozefowicz, W. Zaremba and I. Sutskever (2015). An empirical exploration of recurrent network architectures. Proceedings of the 32nd International Conference on Machine Learning, PMLR 37, 2342–2350.' },
  { cite: by('Sompolinsky', 1988), text: 'H. Sompolinsky, A. Crisanti and H. J. Sommers (1988). Chaos in random neural networks. Physical Review Letters 61(3), 259–262. doi:10.1103/PhysRevLett.61.259' },
  { cite: by('Molgedey', 1992), text: 'L. Molgedey, J. Schuchhardt and H. G. Schuster (1992). Suppressing chaos in neural networks by noise. Physical Review Letters 69(26), 3717–3719. doi:10.1103/PhysRevLett.69.3717' },
  { cite: by('Doyon', 1993), text: 'B. Doyon, B. Cessac, M. Quoy and M. Samuelides (1993). Destabilization and route to chaos in neural networks with random connectivity. Advances in Neural Information Processing Systems 5, 549–555.' },
  { cite: by('Oseledets', 1968), text: 'V. I. Oseledets (1968). A multiplicative ergodic theorem: Lyapunov characteristic numbers for dynamical systems. Transactions of the Moscow Mathematical Society 19, 197–231.' },
  { cite: by('Benettin', 1980), text: 'G. Benettin, L. Galgani, A. Giorgilli and J.-M. Strelcyn (1980). Lyapunov characteristic exponents for smooth dynamical systems and for Hamiltonian systems; a method for computing all of them. Part 1: Theory. Meccanica 15(1), 9–20. doi:10.1007/BF02128236' },
  { cite: by('Kaplan', 1979), text: 'J. L. Kaplan and J. A. Yorke (1979). Chaotic behavior of multidimensional difference equations. In Functional Differential Equations and Approximation of Fixed Points, Lecture Notes in Mathematics 730, 204–227. Springer. doi:10.1007/BFb0064319' },
  { cite: by('Ruelle', 1978), text: 'D. Ruelle (1978). An inequality for the entropy of differentiable maps. Boletim da Sociedade Brasileira de Matemática 9(1), 83–87. doi:10.1007/BF02584795' },
  { cite: by('Pesin', 1977), text: 'Ya. B. Pesin (1977). Characteristic Lyapunov exponents and smooth ergodic theory. Russian Mathematical Surveys 32(4), 55–114. doi:10.1070/RM1977v032n04ABEH001639' },
  { cite: by('Cho', 2014), text: 'K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk and Y. Bengio (2014). Learning phrase representations using RNN encoder–decoder for statistical machine translation. Proceedings of EMNLP 2014, 1724–1734. arXiv:1406.1078' },
  { cite: by('Chung', 2014), text: 'J. Chung, C. Gulcehre, K. Cho and Y. Bengio (2014). Empirical evaluation of gated recurrent neural networks on sequence modeling. arXiv:1412.3555' },
  { cite: by('Poole', 2016), text: 'B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein and S. Ganguli (2016). Exponential expressivity in deep neural networks through transient chaos. Advances in Neural Information Processing Systems 29. arXiv:1606.05340' },
  { cite: by('Schoenholz', 2017), text: 'S. S. Schoenholz, J. Gilmer, S. Ganguli and J. Sohl-Dickstein (2017). Deep information propagation. International Conference on Learning Representations. arXiv:1611.01232' },
  { cite: by('Glorot', 2010), text: 'X. Glorot and Y. Bengio (2010). Understanding the difficulty of training deep feedforward neural networks. Proceedings of the 13th International Conference on Artificial Intelligence and Statistics, PMLR 9, 249–256.' },
  { cite: by('He', 2015), text: 'K. He, X. Zhang, S. Ren and J. Sun (2015). Delving deep into rectifiers: surpassing human-level performance on ImageNet classification. IEEE International Conference on Computer Vision, 1026–1034. arXiv:1502.01852' },
  { cite: by('He', 2016), text: 'K. He, X. Zhang, S. Ren and J. Sun (2016). Deep residual learning for image recognition. IEEE Conference on Computer Vision and Pattern Recognition, 770–778. arXiv:1512.03385' },
  { cite: by('Ioffe', 2015), text: 'S. Ioffe and C. Szegedy (2015). Batch normalization: accelerating deep network training by reducing internal covariate shift. Proceedings of the 32nd International Conference on Machine Learning, PMLR 37, 448–456. arXiv:1502.03167' },
  { cite: by('Kumar', 2017), text: 'S. K. Kumar (2017). On weight initialization in deep neural networks. arXiv:1704.08863' },
  { cite: by('Yilmaz', 2022), text: 'A. Yilmaz and R. Poli (2022). Successfully and efficiently training deep multi-layer perceptrons with logistic activation function simply requires initializing the weights with an appropriate negative mean. Neural Networks 153, 87–103. doi:10.1016/j.neunet.2022.05.030' },
  { cite: by('Wilson', 1927), text: 'E. B. Wilson (1927). Probable inference, the law of succession, and statistical inference. Journal of the American Statistical Association 22(158), 209–212. doi:10.1080/01621459.1927.10502953' },
  { cite: by('Beer', 1995), text: 'R. D. Beer (1995). On the dynamics of small continuous-time recurrent neural networks. Adaptive Behavior 3(4), 469–509. doi:10.1177/105971239500300405' },
  { cite: by('Doya', 1993), text: 'K. Doya (1993). Bifurcations of recurrent neural networks in gradient descent learning. Manuscript submitted to IEEE Transactions on Neural Networks, University of California, San Diego.' },
  { cite: by('Kuznetsov', 2004), text: 'Y. A. Kuznetsov (2004). Elements of Applied Bifurcation Theory, 3rd edition. Applied Mathematical Sciences 112, Springer, New York. doi:10.1007/978-1-4757-3978-7' },
  { cite: by('Govaerts', 2000), text: 'W. J. F. Govaerts (2000). Numerical Methods for Bifurcations of Dynamical Equilibria. SIAM, Philadelphia. doi:10.1137/1.9780898719543' },
  { cite: by('Keller', 1977), text: 'H. B. Keller (1977). Numerical solution of bifurcation and nonlinear eigenvalue problems. In P. H. Rabinowitz (ed.), Applications of Bifurcation Theory, Academic Press, New York, 359–384.' },
  { cite: by('Allgower', 2003), text: 'E. L. Allgower and K. Georg (2003). Introduction to Numerical Continuation Methods. SIAM Classics in Applied Mathematics 45, Philadelphia. doi:10.1137/1.9780898719154' },
  { cite: by('Moore', 1980), text: 'G. Moore and A. Spence (1980). The calculation of turning points of nonlinear equations. SIAM Journal on Numerical Analysis 17(4), 567–576. doi:10.1137/0717048' },
  { cite: by('Roose', 1985), text: 'D. Roose and V. Hlaváček (1985). A direct method for the computation of Hopf bifurcation points. SIAM Journal on Applied Mathematics 45(6), 879–894. doi:10.1137/0145053' },
  { cite: by('Guckenheimer', 1983), text: 'J. Guckenheimer and P. Holmes (1983). Nonlinear Oscillations, Dynamical Systems, and Bifurcations of Vector Fields. Applied Mathematical Sciences 42, Springer, New York. doi:10.1007/978-1-4612-1140-2' },
  { cite: by('Almeida', 1987), text: 'L. B. Almeida (1987). A learning rule for asynchronous perceptrons with feedback in a combinatorial environment. Proceedings of the IEEE First International Conference on Neural Networks, vol. II, 609–618.' },
  { cite: by('Pineda', 1987), text: 'F. J. Pineda (1987). Generalization of back-propagation to recurrent neural networks. Physical Review Letters 59(19), 2229–2232. doi:10.1103/PhysRevLett.59.2229' },
  { cite: by('Sussillo', 2013), text: 'D. Sussillo and O. Barak (2013). Opening the black box: low-dimensional dynamics in high-dimensional recurrent neural networks. Neural Computation 25(3), 626–649. doi:10.1162/NECO_a_00409' },
  { cite: by('Arjovsky', 2016), text: 'M. Arjovsky, A. Shah and Y. Bengio (2016). Unitary evolution recurrent neural networks. Proceedings of the 33rd International Conference on Machine Learning, PMLR 48, 1120–1128. arXiv:1511.06464' },
  { cite: by('Saxe', 2014), text: 'A. M. Saxe, J. L. McClelland and S. Ganguli (2014). Exact solutions to the nonlinear dynamics of learning in deep linear neural networks. International Conference on Learning Representations. arXiv:1312.6120' },
  { cite: by('Pennington', 2017), text: 'J. Pennington, S. S. Schoenholz and S. Ganguli (2017). Resurrecting the sigmoid in deep learning through dynamical isometry: theory and practice. Advances in Neural Information Processing Systems 30. arXiv:1711.04735' },
  { cite: by('Engelken', 2023), text: 'R. Engelken, F. Wolf and L. F. Abbott (2023). Lyapunov spectra of chaotic recurrent neural networks. Physical Review Research 5, 043044. arXiv:2006.02427' },
  { cite: by('Brown', 2001), text: 'L. D. Brown, T. T. Cai and A. DasGupta (2001). Interval estimation for a binomial proportion. Statistical Science 16(2), 101–133. doi:10.1214/ss/1009213286' },
  { cite: by('Micikevicius', 2018), text: 'P. Micikevicius, S. Narang, J. Alben, G. Diamos, E. Elsen, D. Garcia, B. Ginsburg, M. Houston, O. Kuchaiev, G. Venkatesh and H. Wu (2018). Mixed precision training. International Conference on Learning Representations (ICLR 2018). arXiv:1710.03740' },
];

/** The references `text` cites, in order of first citation. */
export function citedReferences(text: string): Reference[] {
  const found: { ref: Reference; at: number }[] = [];
  for (const ref of REFERENCES) {
    ref.cite.lastIndex = 0;
    const m = ref.cite.exec(text);
    if (m) found.push({ ref, at: m.index });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.ref);
}

/**
 * Citations in `text` that no reference resolves: a capitalised name (or "et al.") right before
 * a year 1900-2029, e.g. "Frasconi 1994" or "Kumar's (2017)", not covered by any reference's
 * match. Used by the tests: every year cited in a report is in the bibliography.
 */
export function unresolvedCitations(text: string): string[] {
  const covered: [number, number][] = [];
  for (const ref of REFERENCES) {
    ref.cite.lastIndex = 0;
    for (let m = ref.cite.exec(text); m; m = ref.cite.exec(text)) covered.push([m.index, m.index + m[0].length]);
  }
  const out: string[] = [];
  const citation = /\b[A-Z][a-zA-Z-]+(?:'s)?(?: et al\.)?,? \(?((?:19|20)[0-2]\d)\b/g;
  for (let m = citation.exec(text); m; m = citation.exec(text)) {
    const end = m.index + m[0].length;
    if (!covered.some(([a, b]) => a <= end - 1 && end <= b)) out.push(m[0]);
  }
  return out;
}
