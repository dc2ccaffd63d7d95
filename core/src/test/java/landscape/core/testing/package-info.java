/** Test helpers shared by every module through core's test-jar: the golden data lookup, builders, tolerance asserts. */
package landscape.core.testing;
